import { describe, expect, it } from 'vitest';
import type { EngineError } from '../../../../src-shared/contract/index.js';
import { vncEndpointOf } from '../../../../src-main/engine/libvirt/domain-display.js';
import { checkForwardPath, shQuote, sshTargetOf } from '../../../../src-main/engine/libvirt/ssh-master.js';

const live = (graphics: string): string => `<domain type='qemu'><name>d</name><devices>${graphics}</devices></domain>`;

function refusal(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (err) {
    return err as EngineError;
  }
  throw new Error('expected a refusal');
}

describe('vncEndpointOf: where a running domain\'s VNC is, deny by default', () => {
  it('a unix socket, as libvirt reports it for <listen type="socket"/>', () => {
    expect(vncEndpointOf(live(`<graphics type='vnc' socket='/var/lib/libvirt/qemu/domain-1-d/vnc.sock'><listen type='socket' socket='/var/lib/libvirt/qemu/domain-1-d/vnc.sock'/></graphics>`), 'd')).toEqual({ kind: 'socket', path: '/var/lib/libvirt/qemu/domain-1-d/vnc.sock' });
  });

  it('a loopback TCP port; every address is reached on loopback and marked exposed', () => {
    expect(vncEndpointOf(live(`<graphics type='vnc' port='5901' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>`), 'd')).toEqual({ kind: 'tcp', port: 5901, exposed: false });
    expect(vncEndpointOf(live(`<graphics type='vnc' port='5902'><listen type='address' address='0.0.0.0'/></graphics>`), 'd')).toEqual({ kind: 'tcp', port: 5902, exposed: true });
    expect(vncEndpointOf(live(`<graphics type='vnc' port='5903' listen='::'/>`), 'd')).toEqual({ kind: 'tcp', port: 5903, exposed: true });
  });

  it('refuses another address, no port yet, a relative socket, SPICE only, and no display', () => {
    expect(refusal(() => vncEndpointOf(live(`<graphics type='vnc' port='5901'><listen type='address' address='192.168.1.5'/></graphics>`), 'd')).message).toMatch(/listens on 192\.168\.1\.5:5901, not on loopback/);
    expect(refusal(() => vncEndpointOf(live(`<graphics type='vnc' port='-1' autoport='yes'/>`), 'd')).code).toBe('invalid-state');
    expect(refusal(() => vncEndpointOf(live(`<graphics type='vnc' socket='vnc.sock'/>`), 'd')).message).toMatch(/not an absolute path/);
    expect(refusal(() => vncEndpointOf(live(`<graphics type='spice' port='5900'/>`), 'd')).message).toMatch(/only SPICE or another kind/);
    expect(refusal(() => vncEndpointOf(live(''), 'd')).message).toMatch(/has no VNC display/);
  });
});

describe('ssh-master helpers', () => {
  it('reads login, host and port from a qemu+ssh URI (IPv6 without brackets)', () => {
    expect(sshTargetOf('qemu+ssh://root@127.0.0.1:2222/system')).toEqual({ host: '127.0.0.1', port: '2222', user: 'root', label: '127.0.0.1:2222' });
    expect(sshTargetOf('qemu+ssh://[::1]/system')).toMatchObject({ host: '::1' });
  });

  it('refuses forward ends ssh would split or that are not absolute', () => {
    expect(checkForwardPath('/run/x/vnc.sock', 'remote')).toBe('/run/x/vnc.sock');
    expect(() => checkForwardPath('/run/a:b.sock', 'remote')).toThrow(/without ":"/);
    expect(() => checkForwardPath('vnc.sock', 'remote')).toThrow(/absolute/);
    expect(() => checkForwardPath('/run/a\nb', 'remote')).toThrow(/control characters/);
  });

  it('quotes words for the remote shell', () => {
    expect(shQuote(`/var/log/libvirt/qemu/it's.log`)).toBe(`'/var/log/libvirt/qemu/it'\\''s.log'`);
    expect(() => shQuote('a\nb')).toThrow(/line breaks/);
  });
});
