// host.info's probe: cached when it succeeds, never when it fails, and re-done on `refresh` (the first-run
// screen's "Check again" after installing firmware: QEMU was found, OVMF was not).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostService } from '../../../src-main/engine/host-service.js';
import { clearProbeCache } from '../../../src-main/engine/qemu/host-probe.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const binary = () => join(dir, 'bin', 'qemu-system-x86_64');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-host-service-'));
  await mkdir(join(dir, 'bin'));
  await mkdir(join(dir, 'config', 'qemu', 'firmware'), { recursive: true });
  // Mask every firmware descriptor the host has (an empty file of the same name in a later folder masks it).
  for (const d of ['/usr/share/qemu/firmware', '/etc/qemu/firmware']) {
    if (!existsSync(d)) continue;
    for (const n of await readdir(d)) await writeFile(join(dir, 'config', 'qemu', 'firmware', n), '');
  }
  env = { PATH: join(dir, 'bin'), HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function installFakeQemu(): Promise<void> {
  await writeFile(binary(), `#!/bin/sh\nif [ "$1" = --version ]; then echo 'QEMU emulator version 8.2.2'; else printf 'Supported machines are:\\nq35   Standard PC (alias of pc-q35-8.2)\\npc-q35-8.2  Standard PC\\n'; fi\n`);
  await chmod(binary(), 0o755);
}

describe('HostService probe caching', () => {
  it('a failed probe is not cached; a successful one is, until refresh', async () => {
    clearProbeCache();
    const host = new HostService({ env, extraDirs: [] });
    const missing = await host.summary();
    expect(missing.qemuBinary).toBeNull();
    expect(missing.installHint).toBeTruthy();
    expect(missing.firmwareInstallHint).toBeUndefined();
    expect(missing.swtpmAvailable).toBe(false);

    await installFakeQemu();
    const found = await host.summary(); // no refresh needed: the failure was not cached
    expect(found.qemuBinary).toBe(binary());
    expect(found.uefiAvailable).toBe(false);
    expect(found.firmwareInstallHint).toMatch(/ovmf|OVMF|edk2|qemu/);

    await rm(binary());
    expect((await host.summary()).qemuBinary).toBe(binary()); // cached
    expect((await host.summary({ refresh: true })).qemuBinary).toBeNull(); // probed anew
  });

  it('swtpmAvailable follows the probe\'s swtpm lookup (the one startVm refuses a TPM machine by)', async () => {
    clearProbeCache();
    await installFakeQemu();
    const host = new HostService({ env, extraDirs: [] });
    expect((await host.summary()).swtpmAvailable).toBe(false);
    expect((await host.info()).swtpm).toBeNull();

    const swtpm = join(dir, 'bin', 'swtpm');
    await writeFile(swtpm, '#!/bin/sh\nexit 0\n');
    await chmod(swtpm, 0o755);
    expect((await host.summary({ refresh: true })).swtpmAvailable).toBe(true);
    expect((await host.info()).swtpm).toBe(swtpm);

    await chmod(swtpm, 0o644); // not executable: not usable
    expect((await host.summary({ refresh: true })).swtpmAvailable).toBe(false);
    await rm(swtpm);
  });
});
