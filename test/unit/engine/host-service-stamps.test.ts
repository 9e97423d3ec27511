// Issue 20: a warm engine keeps its host probe (and the firmware list it read) between starts, and probes again
// when a QEMU binary changes: another size or mtime at the same path (an upgrade, a rebuild).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostService } from '../../../src-main/engine/host-service.js';
import { clearProbeCache } from '../../../src-main/engine/qemu/host-probe.js';
import { workCounts, type WorkKind } from '../../../src-main/engine/work-counts.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const binary = () => join(dir, 'bin', 'qemu-system-x86_64');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-host-stamps-'));
  await mkdir(join(dir, 'bin'));
  await mkdir(join(dir, 'config', 'qemu', 'firmware'), { recursive: true });
  for (const d of ['/usr/share/qemu/firmware', '/etc/qemu/firmware']) {
    if (!existsSync(d)) continue;
    for (const n of await readdir(d)) await writeFile(join(dir, 'config', 'qemu', 'firmware', n), '');
  }
  env = { PATH: join(dir, 'bin'), HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function installFakeQemu(version: string): Promise<void> {
  await writeFile(binary(), `#!/bin/sh\nif [ "$1" = --version ]; then echo 'QEMU emulator version ${version}'; else printf 'Supported machines are:\\nq35   Standard PC (alias of pc-q35-8.2)\\npc-q35-8.2  Standard PC\\n'; fi\n`);
  await chmod(binary(), 0o755);
}

/** What `work` did, counted. */
async function counted<T>(work: () => Promise<T>): Promise<{ result: T; did: Record<WorkKind, number> }> {
  const before = workCounts();
  const result = await work();
  const after = workCounts();
  return { result, did: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as WorkKind]])) as Record<WorkKind, number> };
}

describe('HostService keeps its probe while the QEMU binaries stay the same', () => {
  it('probes once for many uses: no second probe, firmware list or QEMU run', async () => {
    clearProbeCache();
    await installFakeQemu('8.2.2');
    const host = new HostService({ env, extraDirs: [] });
    const first = await counted(() => host.info());
    expect(first.did.hostProbe).toBe(1);
    expect(first.did.firmwareList).toBe(1);
    expect(first.did.qemuQuery).toBeGreaterThan(0);
    const again = await counted(async () => [await host.info(), await host.info(), await host.summary()]);
    expect(again.did).toEqual({ hostProbe: 0, firmwareList: 0, qemuQuery: 0, imageHeader: 0 });
    expect(again.result[0]).toBe(first.result);
  });

  it('probes again when the binary changes size (an upgrade)', async () => {
    clearProbeCache();
    await installFakeQemu('8.2.2');
    const host = new HostService({ env, extraDirs: [] });
    expect((await host.info()).emulators['x86_64']!.version.minor).toBe(2);
    await installFakeQemu('9.10.0');
    const after = await counted(() => host.info());
    expect(after.did.hostProbe).toBe(1);
    expect(after.did.firmwareList).toBe(1);
    expect(after.result.emulators['x86_64']!.version).toMatchObject({ major: 9, minor: 10 });
  });

  it('probes again when only the mtime changes (same size, rebuilt)', async () => {
    clearProbeCache();
    await installFakeQemu('8.2.2');
    const host = new HostService({ env, extraDirs: [] });
    await host.info();
    const s = await stat(binary());
    await installFakeQemu('8.2.3'); // same length as 8.2.2
    expect((await stat(binary())).size).toBe(s.size);
    await utimes(binary(), s.atime, new Date(s.mtimeMs + 5_000));
    const after = await counted(() => host.info());
    expect(after.did.hostProbe).toBe(1);
    expect(after.result.emulators['x86_64']!.version.micro).toBe(3);
  });

  it('two uses that both see a change probe once', async () => {
    clearProbeCache();
    await installFakeQemu('8.2.2');
    const host = new HostService({ env, extraDirs: [] });
    await host.info();
    await installFakeQemu('9.10.0');
    const both = await counted(() => Promise.all([host.info(), host.info()]));
    expect(both.did.hostProbe).toBe(1);
    expect(both.result[0]).toBe(both.result[1]);
  });
});

describe('a binary that can no longer run (gone, or its execute bit taken away)', () => {
  /** A second, working QEMU further down PATH: a fresh probe would pick it instead. */
  const fallbackBin = () => join(dir, 'bin2', 'qemu-system-x86_64');

  it('is kept for the next start, which fails naming it; that failure drops the probe, and the next start probes again', async () => {
    clearProbeCache();
    await installFakeQemu('8.2.2');
    await mkdir(join(dir, 'bin2'), { recursive: true });
    await writeFile(fallbackBin(), `#!/bin/sh\nif [ "$1" = --version ]; then echo 'QEMU emulator version 7.0.0'; else printf 'Supported machines are:\\nq35   Standard PC\\n'; fi\n`);
    await chmod(fallbackBin(), 0o755);
    const host = new HostService({ env: { ...env, PATH: `${join(dir, 'bin')}:${join(dir, 'bin2')}` }, extraDirs: [] });
    const first = await host.info();
    expect(first.emulators['x86_64']!.binary).toBe(binary());

    await chmod(binary(), 0o644);
    try {
      // Mode and ctime changed, but a new probe would quietly switch to bin2: the start keeps the known binary.
      const kept = await counted(() => host.info());
      expect(kept.did.hostProbe).toBe(0);
      expect(kept.result.emulators['x86_64']!.binary).toBe(binary());

      host.spawnFailed(binary());
      const after = await counted(() => host.info());
      expect(after.did.hostProbe).toBe(1);
      expect(after.result.emulators['x86_64']!.binary).toBe(fallbackBin());
    } finally {
      await chmod(binary(), 0o755);
      await rm(join(dir, 'bin2'), { recursive: true, force: true });
    }
  });

  it('made runnable again with another mode: probed again, and its facts are not taken from the cache', async () => {
    clearProbeCache();
    await installFakeQemu('8.2.2');
    const host = new HostService({ env, extraDirs: [] });
    await host.info();
    await chmod(binary(), 0o700);
    const after = await counted(() => host.info());
    expect(after.did.hostProbe).toBe(1);
    // Keyed by mode and ctime too: the per-binary facts are asked of QEMU again, not reused by path+size+mtime.
    expect(after.did.qemuQuery).toBeGreaterThan(0);
    await chmod(binary(), 0o755);
  });

  it('replaced by a folder (executable as a folder, not as a program): kept too, until a start fails', async () => {
    clearProbeCache();
    await installFakeQemu('8.2.2');
    const host = new HostService({ env, extraDirs: [] });
    await host.info();
    await rm(binary());
    await mkdir(binary());
    try {
      expect((await counted(() => host.info())).did.hostProbe).toBe(0);
    } finally {
      await rm(binary(), { recursive: true });
      await installFakeQemu('8.2.2');
    }
  });

  it('a spawn failure of a binary the current probe did not choose keeps the probe', async () => {
    clearProbeCache();
    await installFakeQemu('8.2.2');
    const host = new HostService({ env, extraDirs: [] });
    await host.info();
    host.spawnFailed('/nonexistent/qemu-system-aarch64');
    expect((await counted(() => host.info())).did.hostProbe).toBe(0);
  });
});
