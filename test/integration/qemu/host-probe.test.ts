import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearProbeCache, probeHost, selectUefiFirmware, type HostInfo } from '../../../src-main/engine/qemu/index.js';

let dir: string;
let host: HostInfo;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-probe-it-'));
  clearProbeCache();
  host = await probeHost({ cacheFile: join(dir, 'probe-cache.json') });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function devKvmOpenable(): boolean {
  try {
    closeSync(openSync('/dev/kvm', 'r+'));
    return true;
  } catch {
    return false;
  }
}

describe('host probe on this machine', () => {
  it('finds qemu-system-x86_64 7.x with its machine types', () => {
    const x86 = host.emulators['x86_64']!;
    expect(x86).toBeDefined();
    expect(x86.binary).toMatch(/qemu-system-x86_64$/);
    expect(x86.version.major).toBe(7);
    expect(x86.machines.find((m) => m.name === 'q35')?.aliasOf).toMatch(/^pc-q35-7\.\d+$/);
    expect(x86.machines.filter((m) => m.isDefault)).toHaveLength(1);
  });

  it('always offers tcg, and kvm only after /dev/kvm opened read-write and QEMU ran a KVM guest', () => {
    const x86 = host.emulators['x86_64']!;
    expect(x86.accelerators.at(-1)).toBe('tcg');
    expect(x86.accelerators.includes('kvm')).toBe(x86.kvm.usable);
    if (!devKvmOpenable()) expect(x86.kvm.usable).toBe(false);
    if (!x86.kvm.usable) expect(x86.kvm.reason).toMatch(/TCG/);
  });

  it('finds the OVMF descriptors and picks plain and secure-boot firmware that exist', () => {
    const x86 = host.emulators['x86_64']!;
    expect(x86.firmware.length).toBeGreaterThanOrEqual(1);
    const plain = selectUefiFirmware(x86, 'q35', false)!;
    const secure = selectUefiFirmware(x86, 'q35', true)!;
    for (const fw of [plain, secure]) {
      expect(existsSync(fw.code.filename)).toBe(true);
      expect(existsSync(fw.varsTemplate.filename)).toBe(true);
    }
    expect(secure.requiresSmm).toBe(true);
    expect(plain.requiresSmm).toBe(false);
    expect(selectUefiFirmware(x86, 'pc', false)).not.toBeNull();
  });

  it('writes the cache file and gives the same answer from it', async () => {
    const cache = JSON.parse(await readFile(join(dir, 'probe-cache.json'), 'utf8')) as Record<string, { version: unknown }>;
    expect(cache[host.emulators['x86_64']!.binary]?.version).toEqual(host.emulators['x86_64']!.version);
    const again = await probeHost({ cacheFile: join(dir, 'probe-cache.json') });
    expect(again.emulators['x86_64']).toEqual(host.emulators['x86_64']);
    // That the cached answer runs no binary is counted, not timed, in test/unit/engine/qemu/host-probe.test.ts
    // ("probes them once per mtime"): a wall-clock bound here failed on a loaded machine without meaning anything.
  });

  it('names the Debian install command', () => {
    expect(host.installHint).toBe('sudo apt-get install -y qemu-system-x86 qemu-utils ovmf');
  });
});
