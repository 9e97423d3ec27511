import { useRef, useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';

async function copyText(text: string, fallbackEl: HTMLElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through: select the text so the user can copy it by hand
  }
  if (fallbackEl) {
    const range = document.createRange();
    range.selectNodeContents(fallbackEl);
    const sel = window.getSelection();
    sel?.removeAllRanges();
    sel?.addRange(range);
  }
  return false;
}

/** A shell command in a monospace box with a "Copy" button. */
export function CopyCommand({ command, label }: { command: string; label: string }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'selected'>('no');
  const codeRef = useRef<HTMLElement | null>(null);
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, p: 1.5, borderRadius: 1, bgcolor: 'action.hover', border: 1, borderColor: 'divider' }}>
      <Box
        component="code"
        aria-label={label}
        ref={codeRef}
        sx={{ flex: 1, fontFamily: 'monospace', fontSize: '0.95rem', whiteSpace: 'pre-wrap', wordBreak: 'break-all', userSelect: 'all' }}
      >
        {command}
      </Box>
      <Button
        variant="outlined"
        size="small"
        startIcon={<ContentCopyIcon fontSize="small" />}
        onClick={() => void copyText(command, codeRef.current).then((ok) => setCopied(ok ? 'yes' : 'selected'))}
      >
        {copied === 'yes' ? 'Copied' : 'Copy'}
      </Button>
      <Box component="span" role="status" aria-live="polite" sx={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>
        {copied === 'yes' ? 'Command copied to the clipboard' : copied === 'selected' ? 'Press Ctrl+C to copy the selected command' : ''}
      </Box>
    </Box>
  );
}
