import { useEffect, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import type { CommandArgs } from '../../../src-shared/contract/index.js';
import { useApi } from '../../state/api-context.js';
import { describeError } from '../../state/errors.js';
import { formatArgv } from '../settings/settings-model.js';
import { useCopyText } from '../logs/use-copy-text.js';

type Preview = { status: 'loading' } | { status: 'ready'; text: string } | { status: 'error'; message: string };

/**
 * The QEMU command line the draft would give, from `vm.previewArgv` (the engine builds it with the same code
 * as a real start, writing nothing). Asked again whenever the arguments change; a late answer for older
 * arguments is dropped.
 */
export function CommandLinePreview({ args }: { args: CommandArgs<'vm.previewArgv'> }) {
  const api = useApi();
  const key = JSON.stringify(args);
  const [preview, setPreview] = useState<Preview>({ status: 'loading' });
  const preRef = useRef<HTMLPreElement>(null);
  const { copied, copy, reset } = useCopyText(preRef);

  useEffect(() => {
    let alive = true;
    setPreview({ status: 'loading' });
    reset();
    api.call('vm.previewArgv', JSON.parse(key) as CommandArgs<'vm.previewArgv'>).then(
      (r) => alive && setPreview({ status: 'ready', text: formatArgv(r.argv) }),
      (err: unknown) => alive && setPreview({ status: 'error', message: describeError(err, 'build the command line') }),
    );
    return () => {
      alive = false;
    };
  }, [api, key, reset]);

  return (
    <Box sx={{ mt: 2 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Typography variant="subtitle2" component="h3" sx={{ flex: 1 }}>QEMU command line</Typography>
        <Button
          size="small"
          variant="outlined"
          startIcon={<ContentCopyIcon fontSize="small" />}
          disabled={preview.status !== 'ready'}
          onClick={() => preview.status === 'ready' && void copy(preview.text)}
        >
          {copied === 'yes' ? 'Copied' : 'Copy'}
        </Button>
      </Box>
      <Typography variant="caption" color="text.secondary">
        What Start will run; the machine&apos;s id, and with it its folder name and MAC address, is chosen when it is created.
      </Typography>
      <Box component="span" role="status" sx={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>
        {copied === 'yes' ? 'Command line copied to the clipboard' : copied === 'failed' ? 'Press Ctrl+C to copy the selected command line' : ''}
      </Box>
      {preview.status === 'error' && <Alert severity="warning" sx={{ mt: 1 }}>{preview.message}</Alert>}
      {preview.status !== 'error' && (
        <Box
          component="pre"
          ref={preRef}
          aria-label="QEMU command line"
          tabIndex={0}
          sx={{ fontFamily: 'monospace', fontSize: 12, whiteSpace: 'pre-wrap', wordBreak: 'break-all', p: 1, mt: 1, mb: 0, bgcolor: 'action.hover', borderRadius: 1, maxHeight: 200, overflow: 'auto' }}
        >
          {preview.status === 'ready' ? preview.text : 'Building…'}
        </Box>
      )}
    </Box>
  );
}
