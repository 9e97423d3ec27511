import { useCallback, useState, type RefObject } from 'react';
import { copyText } from './copy-text.js';

export type CopyState = 'no' | 'yes' | 'failed';

/**
 * Copy for a block of text shown in `shown` (a <pre>): the clipboard when it works, else the block is selected so
 * Ctrl+C copies it. `copied` says which happened, for the button and a live message; `reset` clears it.
 */
export function useCopyText(shown: RefObject<HTMLElement | null>): { copied: CopyState; copy: (text: string) => Promise<void>; reset: () => void } {
  const [copied, setCopied] = useState<CopyState>('no');
  const copy = useCallback(
    async (text: string) => {
      const ok = await copyText(text);
      setCopied(ok ? 'yes' : 'failed');
      if (!ok && shown.current) {
        const range = document.createRange();
        range.selectNodeContents(shown.current);
        window.getSelection()?.removeAllRanges();
        window.getSelection()?.addRange(range);
      }
    },
    [shown],
  );
  const reset = useCallback(() => setCopied('no'), []);
  return { copied, copy, reset };
}
