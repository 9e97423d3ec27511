import { describe, expect, it } from 'vitest';
import { vncSocketName } from '../../../../src-main/engine/libvirt/libvirt-backend.js';

describe("a libvirt domain's local display socket name", () => {
  it('differs for uuids that share a prefix (a domain whose uuid was chosen to collide cannot take over the socket), and stays short', () => {
    const a = vncSocketName('0d5e6f70-1111-4a2b-8c3d-000000000001');
    const b = vncSocketName('0d5e6f70-1111-4a2b-8c3d-000000000002');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[0-9a-f]{16}\.vnc$/);
    expect(vncSocketName('0d5e6f70-1111-4a2b-8c3d-000000000001')).toBe(a);
  });
});
