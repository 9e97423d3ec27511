import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VmEvent } from '../../src-shared/contract/index.js';
import { DROP_CHUNK_BYTES } from '../../src-shared/shares/index.js';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { failure, serialWait, useEngineSuite } from '../helpers/engine-harness.js';

// A file dropped on the display: the engine copies it into the guest with Debian's real qemu-ga (guest-file-open/
// write/close); the guest's sha256sum of the result (SHARE:filesha on serial) must match the host's.
describe('file drop into a running guest through the real qemu-ga', () => {
  const s = useEngineSuite();

  it('copies a 700 KiB file in chunks with job progress, under a sanitised name, never overwriting; the hash matches in the guest', async () => {
    const disk = join(s.t.root, 'drop.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
    const { id, doc } = await s.e.client.call('vm.create', { name: 'drop guest', osId: 'debian12', iso: fixturePaths.linuxIso, existingDisk: disk, memoryMiB: 256, cpus: 1 });
    expect(doc.guestAgent).toBe(true);
    // Not running yet: a clear refusal before anything else.
    const stopped = await failure(s.e.client.call('file.drop.begin', { vm: id, name: 'a.txt', size: 3 }));
    expect(stopped.message).toBe('"drop guest" is not running; start it to drop files into it');
    await serialWait(s.e.client, id, markers.linuxReady, () => s.e.client.call('vm.start', { vm: id }), 120_000);

    const data = randomBytes(700 * 1024);
    const events: VmEvent[] = [];
    const off = s.e.client.onEvent((ev) => { if ('vmId' in ev && ev.vmId === id && ev.type === 'vm.job') events.push(ev); });
    const send = async (name: string): Promise<string> => {
      // The agent may still be starting in the guest: begin is retried until it answers (its refusal says so).
      const deadline = Date.now() + 90_000;
      let begun: { dropId: string; jobId: string; guestPath: string } | undefined;
      while (!begun) {
        begun = await s.e.client.call('file.drop.begin', { vm: id, name, size: data.length }).catch((err: Error) => {
          if (Date.now() > deadline || !/guest agent does not answer/.test(err.message)) throw err;
          return undefined;
        });
      }
      for (let at = 0; at < data.length; at += DROP_CHUNK_BYTES) {
        await s.e.client.call('file.drop.chunk', { dropId: begun.dropId, offset: at, data: data.subarray(at, at + DROP_CHUNK_BYTES).toString('base64') });
      }
      const end = await s.e.client.call('file.drop.end', { dropId: begun.dropId });
      expect(end).toEqual({ guestPath: begun.guestPath, bytes: data.length });
      return begun.guestPath;
    };
    const t0 = Date.now();
    const first = await send('../../etc/evil\u202Etxt.bin');
    console.warn(`dropped ${data.length} bytes through qemu-ga in ${Date.now() - t0} ms`);
    // No user logs in on the test guest: /tmp, the name's last part only, the bidi override replaced.
    expect(first).toBe('/tmp/evil_txt.bin');
    const second = await send('evil\u202Etxt.bin');
    expect(second).toBe('/tmp/evil_txt (1).bin');
    off();

    const hash = createHash('sha256').update(data).digest('hex');
    for (const p of [first, second]) {
      // The whole line (serial output can arrive in pieces): a wrong hash never completes it and times out.
      const out = await serialWait(s.e.client, id, `HANGAR-SHARE-FILESHA:${p}:${hash}`, () => s.e.client.call('vm.console.write', { vm: id, data: `SHARE:filesha ${p}\n` }));
      expect(out).toContain(`HANGAR-SHARE-FILESHA:${p}:${hash}`);
    }
    const jobs = events.filter((e) => e.type === 'vm.job' && e.kind === 'file-drop');
    expect(jobs.some((e) => e.type === 'vm.job' && e.status === 'running' && (e.percent ?? 0) > 0 && (e.percent ?? 0) < 100)).toBe(true);
    expect(jobs.filter((e) => e.type === 'vm.job' && e.status === 'concluded')).toHaveLength(2);

    // A 10 GiB drop is refused before any byte moves, with the limit named.
    const huge = await failure(s.e.client.call('file.drop.begin', { vm: id, name: 'disk.img', size: 10 * 1024 ** 3 }));
    expect(huge.message).toMatch(/^disk\.img is 10 GiB; files dropped into a guest may be at most 1 GiB/);
    await s.e.client.call('vm.forceOff', { vm: id });
  }, 300_000);
});
