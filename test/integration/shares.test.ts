import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { failure, qemuPidsUnder, serialWait, useEngineSuite } from '../helpers/engine-harness.js';

// virtio-9p shared folders in the Linux test guest: SHARE:<command> lines on serial drive linux/shares.sh, which
// mounts with the exact command Hangar tells the user (mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt/TAG).
describe('shared folders (virtio-9p) against real QEMU and the Linux test guest', () => {
  const s = useEngineSuite();
  const guest = (id: string, cmd: string, reply: string, timeoutMs = 60_000) =>
    serialWait(s.e.client, id, reply, () => s.e.client.call('vm.console.write', { vm: id, data: `SHARE:${cmd}\n` }), timeoutMs);

  it('the guest mounts a share, reads a host file (same hash), writes a file the host reads; a read-only share refuses the write', async () => {
    const rw = join(s.t.root, 'shared rw, folder');
    const ro = join(s.t.root, 'shared-ro');
    mkdirSync(rw);
    mkdirSync(ro);
    const content = `hello from the host ${Date.now()}\n`;
    writeFileSync(join(rw, 'from-host.txt'), content);
    writeFileSync(join(ro, 'readme.txt'), 'read only\n');
    const disk = join(s.t.root, 'share-guest.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
    const { id } = await s.e.client.call('vm.create', { name: 'share guest', osId: 'debian12', iso: fixturePaths.linuxIso, existingDisk: disk, memoryMiB: 256, cpus: 1 });
    const { doc } = await s.e.client.call('vm.update', { vm: id, patch: { shares: [{ name: 'work', path: rw, readOnly: false }, { name: 'docs', path: ro, readOnly: true }] } });
    expect(doc.shares.map((x) => x.path)).toEqual([rw, ro]);
    await serialWait(s.e.client, id, markers.linuxReady, () => s.e.client.call('vm.start', { vm: id }), 120_000);

    await guest(id, 'mount work', 'HANGAR-SHARE-MOUNTED:work');
    const expected = createHash('sha256').update(content).digest('hex');
    // The whole line (serial output arrives in pieces): a wrong hash never completes it.
    const sha = await guest(id, 'sha work from-host.txt', `HANGAR-SHARE-SHA:work/from-host.txt:${expected}`);
    expect(sha).toContain(`HANGAR-SHARE-SHA:work/from-host.txt:${expected}`);

    await guest(id, 'write work from-guest.txt written-by-guest', 'HANGAR-SHARE-WROTE:work/from-guest.txt');
    expect(readFileSync(join(rw, 'from-guest.txt'), 'utf8')).toBe('written-by-guest\n');

    await guest(id, 'mount docs', 'HANGAR-SHARE-MOUNTED:docs');
    // Waits for the error text itself (serial output arrives in pieces).
    const denied = await guest(id, 'write docs nope.txt x', 'Read-only file system');
    expect(denied).toMatch(/HANGAR-SHARE-FAIL:write docs\/nope\.txt:.*Read-only file system/);
    expect(existsSync(join(ro, 'nope.txt'))).toBe(false);

    // A RAM snapshot while a 9p share is mounted: QEMU 7.2 blocks migration (and so snapshot-save); the refusal names the share.
    const refused = await failure(s.e.client.call('snapshot.take', { vm: id, name: 'with ram', withRam: true }));
    console.warn(`RAM snapshot with a mounted 9p share: ${refused.code}: ${refused.message}`);
    // QEMU names the share mounted last.
    expect(refused.message).toMatch(/the guest has the shared folder "docs" \(.*shared-ro\) mounted/);
    expect(refused.message).toMatch(/umount \/mnt\/docs/);
    expect(refused.message).not.toMatch(/Migration is disabled|VirtFS/);
    expect((await s.e.client.call('vm.get', { vm: id })).state.kind).toBe('running');
    // Unmounted in the guest: the device holds no open files, and the RAM snapshot is taken.
    await guest(id, 'umount work', 'HANGAR-SHARE-UNMOUNTED:work');
    await guest(id, 'umount docs', 'HANGAR-SHARE-UNMOUNTED:docs');
    const taken = await s.e.client.call('snapshot.take', { vm: id, name: 'unmounted', withRam: true });
    expect(taken.snapshot.withRam).toBe(true);
    await s.e.client.call('vm.forceOff', { vm: id });
  }, 300_000);

  it('stores a share by its real path; a folder that vanished refuses the start by name, leaving no QEMU behind', async () => {
    const real = join(s.t.root, 'real-folder');
    mkdirSync(real);
    symlinkSync(real, join(s.t.root, 'link-to-folder'));
    const { id } = await s.e.client.call('vm.create', { name: 'vanishing share', osId: 'debian12', iso: fixturePaths.linuxIso, memoryMiB: 128, cpus: 1 });
    const { doc } = await s.e.client.call('vm.update', { vm: id, patch: { shares: [{ name: 'gone', path: join(s.t.root, 'link-to-folder'), readOnly: false }] } });
    expect(doc.shares[0]!.path).toBe(real);
    rmSync(real, { recursive: true });
    const refused = await failure(s.e.client.call('vm.start', { vm: id }));
    expect(refused.code).toBe('start-refused');
    expect(refused.message).toBe(`"vanishing share" cannot start: shared folder "gone": the folder ${real} does not exist`);
    expect(qemuPidsUnder(s.t.runtimeBase)).toEqual([]);
    expect((await s.e.client.call('vm.get', { vm: id })).state.kind).toBe('stopped');
  }, 60_000);
});
