import { EngineError } from '../../src-shared/contract/errors.js';
import type { EngineClient } from '../../src-shared/contract/client.js';
import { EXIT } from './exit-codes.js';

/**
 * Subscribes to the VM's serial output *before* running `trigger` (e.g. the start command), then
 * resolves when `text` has appeared. Rejects with a timeout error naming what was awaited.
 */
export async function waitForSerial(client: EngineClient, vm: string, text: string, timeoutMs: number, trigger: () => Promise<unknown>): Promise<void> {
  const { id } = (await client.call('vm.get', { vm })).doc;
  let seen = '';
  let done!: () => void;
  let fail!: (e: Error) => void;
  const found = new Promise<void>((resolve, reject) => ((done = resolve), (fail = reject)));
  const off = client.onEvent((e) => {
    if (e.type === 'vm.serial' && e.vmId === id) {
      seen = (seen + e.data).slice(-(text.length + 65536));
      if (seen.includes(text)) done();
    } else if (e.type === 'vm.state' && e.vmId === id && (e.state.kind === 'crashed' || e.state.kind === 'stopped')) {
      fail(new EngineError('qemu-failed', `the VM ${e.state.kind === 'crashed' ? `crashed (${e.state.reason})` : 'stopped'} before "${text}" appeared on its serial console`));
    }
  });
  const timer = setTimeout(() => fail(new EngineError('timeout', `"${text}" did not appear on the serial console within ${timeoutMs / 1000} s`)), timeoutMs);
  try {
    await client.call('vm.console.attach', { vm, tailBytes: 0 });
    await trigger();
    await found;
  } finally {
    clearTimeout(timer);
    off();
  }
}

/** `hangar console`: prints the log so far, then follows; stdin lines go to the guest. */
export async function followConsole(client: EngineClient, vm: string, opts: { follow: boolean; out: (s: string) => void; disconnected?: Promise<void> }): Promise<number> {
  const { id } = (await client.call('vm.get', { vm })).doc;
  const ended = new Promise<number>((resolve) => {
    client.onEvent((e) => {
      if ('vmId' in e && e.vmId === id) {
        if (e.type === 'vm.serial') opts.out(e.data);
        if (e.type === 'vm.state' && (e.state.kind === 'stopped' || e.state.kind === 'crashed')) resolve(EXIT.ok);
      }
    });
  });
  const { log, readOnly } = await client.call('vm.console.attach', { vm, tailBytes: 64 * 1024 });
  opts.out(log);
  if (!opts.follow) return EXIT.ok;
  // A console that takes no input (a libvirt domain's pty) is followed; what is typed is not sent, and the user is told why.
  if (readOnly !== undefined) {
    process.stderr.write(`hangar: read-only console (typing is not sent): ${readOnly}\n`);
    return Promise.race([ended, new Promise<number>((resolve) => process.once('SIGINT', () => resolve(EXIT.ok)))]);
  }
  const onData = (chunk: Buffer): void => void client.call('vm.console.write', { vm, data: chunk.toString('utf8') }).catch(() => undefined);
  process.stdin.on('data', onData);
  const interrupted = new Promise<number>((resolve) => process.once('SIGINT', () => resolve(EXIT.ok)));
  // An engine that dies (killed) sends no state event: without this the console would wait forever.
  const lost = new Promise<number>((_, reject) =>
    void opts.disconnected?.then(() => reject(new EngineError('io', 'engine connection closed: the engine exited while following the console'))),
  );
  // The connection also closes after a normal end: nobody awaits `lost` then.
  lost.catch(() => undefined);
  try {
    return await Promise.race([ended, interrupted, lost]);
  } finally {
    process.stdin.off('data', onData);
    process.stdin.pause();
  }
}
