import type { Page } from 'playwright-core';

/**
 * Types a line on a VM's serial console over the same token-protected engine WebSocket the page uses (the
 * fixture guest's CLIP-, SHARE: and USB: commands), so the test drives the guest through the browser host only.
 */
export async function writeSerialFromPage(page: Page, vmId: string, line: string): Promise<void> {
  await page.evaluate(
    async ({ vm, data }) => {
      const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/engine`);
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      const done = new Promise<void>((resolve, reject) => {
        ws.onmessage = (m) => {
          const msg = JSON.parse(String(m.data)) as { type: string; id: number; ok: boolean; error?: unknown };
          if (msg.type !== 'response' || msg.id !== 1) return;
          if (msg.ok) resolve();
          else reject(new Error(JSON.stringify(msg.error)));
        };
      });
      ws.send(JSON.stringify({ type: 'request', id: 1, command: 'vm.console.write', args: { vm, data } }));
      await done;
      ws.close();
    },
    { vm: vmId, data: `${line}\n` },
  );
}
