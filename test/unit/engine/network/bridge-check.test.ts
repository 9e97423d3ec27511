import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkBridge } from '../../../../src-main/engine/network/bridge-check.js';

describe('checkBridge (fake file-system root)', () => {
  let root: string;
  const put = (rel: string, text = '', mode = 0o644): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
    chmodSync(join(root, rel), mode);
  };
  const bridgeIface = (name: string): void => void mkdirSync(join(root, 'sys/class/net', name, 'bridge'), { recursive: true });
  const HELPER = 'usr/lib/qemu/qemu-bridge-helper';

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hangar-bridge-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('passes when the helper, bridge.conf and the bridge are all there (as root)', async () => {
    put(HELPER, '', 0o755);
    put('etc/qemu/bridge.conf', '# bridges\nallow br0\n');
    bridgeIface('br0');
    expect(await checkBridge('br0', { root, platform: 'linux', uid: 0 })).toEqual({ ok: true });
  });

  it('follows include lines and "allow all"', async () => {
    put(HELPER, '', 0o755);
    put('etc/qemu/bridge.conf', 'include /etc/qemu/more.conf\n');
    put('etc/qemu/more.conf', 'allow all\n');
    bridgeIface('virbr1');
    expect(await checkBridge('virbr1', { root, platform: 'linux', uid: 0 })).toEqual({ ok: true });
  });

  it('says bridging is Linux-only elsewhere', async () => {
    const v = await checkBridge('br0', { root, platform: 'darwin', uid: 501 });
    expect(v.ok).toBe(false);
    expect(!v.ok && v.message).toMatch(/only supported on Linux/);
  });

  it('names each missing piece with the command that fixes it', async () => {
    const v = await checkBridge('br0', { root, platform: 'linux', uid: 1000 });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.problems).toHaveLength(3);
    expect(v.problems[0]).toMatch(/qemu-bridge-helper is not installed/);
    expect(v.problems[1]).toContain('/etc/qemu/bridge.conf does not exist');
    expect(v.problems[1]).toContain('echo "allow br0" | sudo tee -a /etc/qemu/bridge.conf');
    expect(v.problems[2]).toMatch(/there is no bridge br0 on this host: create it \(sudo ip link add name br0 type bridge/);
    expect(v.message).toMatch(/^cannot bridge to br0: /);
  });

  it('needs a setuid helper unless running as root', async () => {
    put(HELPER, '', 0o755);
    put('etc/qemu/bridge.conf', 'allow br0\n');
    bridgeIface('br0');
    const v = await checkBridge('br0', { root, platform: 'linux', uid: 1000 });
    expect(!v.ok && v.problems).toEqual([expect.stringMatching(/is not setuid root.*sudo chmod u\+s \/usr\/lib\/qemu\/qemu-bridge-helper/)]);
  });

  it('refuses a bridge bridge.conf does not allow, or denies', async () => {
    put(HELPER, '', 0o755);
    put('etc/qemu/bridge.conf', 'allow br1\n');
    bridgeIface('br0');
    const v = await checkBridge('br0', { root, platform: 'linux', uid: 0 });
    expect(!v.ok && v.problems).toEqual(['/etc/qemu/bridge.conf does not allow br0: echo "allow br0" | sudo tee -a /etc/qemu/bridge.conf']);
    put('etc/qemu/bridge.conf', 'allow all\ndeny br0\n');
    const d = await checkBridge('br0', { root, platform: 'linux', uid: 0 });
    expect(!d.ok && d.problems[0]).toMatch(/denies br0/);
  });

  it('tells an interface that is not a bridge from a missing one', async () => {
    put(HELPER, '', 0o755);
    put('etc/qemu/bridge.conf', 'allow eth0\n');
    mkdirSync(join(root, 'sys/class/net/eth0'), { recursive: true });
    const v = await checkBridge('eth0', { root, platform: 'linux', uid: 0 });
    expect(!v.ok && v.problems).toEqual([expect.stringMatching(/eth0 exists but is not a bridge/)]);
  });
});
