// The start's chain check with real QEMU: a disk whose header was rebased to a host file after it was made
// is refused before any QEMU runs; a linked clone (its base in the source's bundle) and VMs with snapshots
// still boot, with the checked chain handed to QEMU as explicit -blockdev nodes.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { failure, qemuPidsUnder, serialWait, useEngineEnv, type OpenedEngine, type TestEnv } from '../helpers/engine-harness.js';

const qemuImg = (...args: string[]): string => execFileSync('qemu-img', args, { encoding: 'utf8' });

describe('the start refuses a tampered chain and boots legit ones (real QEMU)', () => {
  let t: TestEnv;
  let e: OpenedEngine;
  useEngineEnv((env, engine) => {
    t = env;
    e = engine;
  });
  const small = { memoryMiB: 64, cpus: 1 } as const;
  const boot = (id: string) => serialWait(e.client, id, markers.bootOk, () => e.client.call('vm.start', { vm: id }));
  const stopped = async (id: string) => {
    await e.client.call('vm.forceOff', { vm: id });
    expect((await e.client.call('vm.get', { vm: id })).state.kind).toBe('stopped');
  };
  /** The JSON -blockdev nodes of a VM's command line, by node name. */
  const nodes = async (id: string): Promise<Map<string, Record<string, unknown>>> => {
    const { argv } = await e.client.call('vm.argv', { vm: id });
    const parsed = argv.filter((a) => a.startsWith('{')).map((a) => JSON.parse(a) as Record<string, unknown>);
    return new Map(parsed.map((n) => [String(n['node-name']), n]));
  };

  it('refuses to start a VM whose qcow2 was rebased (qemu-img rebase -u) to a host file, naming both, and spawns no QEMU', async () => {
    const vm = await e.client.call('vm.create', { name: 'tampered', existingDisk: fixturePaths.bootImg, existingDiskMode: 'convert', ...small });
    const disk = join(vm.bundleDir, 'disks', 'disk0.qcow2');
    // The host file is a bootable image, so the old start (QEMU following the header) would boot from it.
    const host = join(t.root, 'host-file.img');
    copyFileSync(fixturePaths.bootImg, host);
    qemuImg('rebase', '-u', '-f', 'qcow2', '-F', 'raw', '-b', host, disk);
    const states: string[] = [];
    const off = e.client.onEvent((ev) => ev.type === 'vm.state' && ev.vmId === vm.id && states.push(ev.state.kind));
    const err = await failure(e.client.call('vm.start', { vm: vm.id }));
    off();
    expect(err.code).toBe('start-refused');
    expect(err.message).toBe(`disk disk0 of "tampered": the backing file ${host} of ${disk} lies outside the library's machine folders; Hangar only lets an image read files in the machine's own folder`);
    // Never "starting", no QEMU log, no QEMU process: the refusal came before the spawn.
    expect(states).toEqual([]);
    expect(existsSync(join(vm.bundleDir, 'logs', 'qemu.log'))).toBe(false);
    expect(qemuPidsUnder(t.runtimeBase)).toEqual([]);
    expect((await e.client.call('vm.get', { vm: vm.id })).state.kind).toBe('stopped');
  });

  it('boots a linked clone and its source (bases in the source bundle), each with an explicit read-only chain', async () => {
    const src = await e.client.call('vm.create', { name: 'chain source', existingDisk: fixturePaths.bootImg, existingDiskMode: 'convert', ...small });
    const clone = await e.client.call('vm.clone', { vm: src.id, name: 'chain clone', linked: true });
    const base = join(src.bundleDir, 'disks', 'disk0.qcow2');
    const cloneNodes = await nodes(clone.id);
    expect(cloneNodes.get('disk0')).toMatchObject({ driver: 'qcow2', file: 'disk0-file', backing: 'disk0-b1' });
    expect(cloneNodes.get('disk0-file')).toMatchObject({ filename: join(clone.bundleDir, 'disks', 'disk0.qcow2') });
    expect(cloneNodes.get('disk0-b1')).toMatchObject({ driver: 'qcow2', 'read-only': true, backing: null });
    expect(cloneNodes.get('disk0-b1-file')).toMatchObject({ filename: base, 'read-only': true });
    // Both read the shared base at once.
    await Promise.all([boot(clone.id), boot(src.id)]);
    await Promise.all([stopped(clone.id), stopped(src.id)]);
  });

  it('boots VMs with internal snapshots (taken offline and live), and restores one', async () => {
    const vm = await e.client.call('vm.create', { name: 'with snapshots', existingDisk: fixturePaths.bootImg, existingDiskMode: 'convert', ...small });
    await e.client.call('snapshot.take', { vm: vm.id, name: 'offline' });
    await boot(vm.id);
    await e.client.call('snapshot.take', { vm: vm.id, name: 'live', withRam: true });
    await stopped(vm.id);
    expect((await nodes(vm.id)).get('disk0')).toMatchObject({ backing: null });
    await boot(vm.id);
    await stopped(vm.id);
    const tree = await e.client.call('snapshot.list', { vm: vm.id });
    const live = tree.snapshots.find((n) => n.name === 'live')!;
    await e.client.call('snapshot.restore', { vm: vm.id, snapshot: live.id });
    // The RAM state loads at the next start, over the same explicit nodes.
    await e.client.call('vm.start', { vm: vm.id });
    expect((await e.client.call('vm.get', { vm: vm.id })).state.kind).toBe('running');
    await stopped(vm.id);
  });
});
