import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineError } from '../../../../src-shared/contract/index.js';
import { hostDeviceId, usbArgs, usbHostDeviceAdd } from '../../../../src-main/engine/qemu/argv-usb.js';
import type { QmpEventMessage } from '../../../../src-main/engine/qmp/qmp-commands.js';
import { parseRuleSpec, stickBlockdevs, UsbService } from '../../../../src-main/engine/usb/usb-service.js';
import { FakeMediaHost, ScriptedQmp, VM_ID } from '../media/fake-media-host.js';

/** Records when a wait for an event was registered (relative to the commands), and lets QEMU's DEVICE_DELETED arrive after device_del. */
class UsbQmp extends ScriptedQmp {
  readonly order: string[] = [];
  private pending: Array<{ name: string; resolve: (e: QmpEventMessage) => void; predicate?: (d: Record<string, unknown>) => boolean }> = [];
  override async execute<T>(command: string, args?: object, options?: unknown): Promise<T> {
    this.order.push(command);
    const r = await super.execute<T>(command, args, options);
    if (command === 'device_del') {
      const data = { device: (args as { id: string }).id, path: `/machine/peripheral/${(args as { id: string }).id}` };
      queueMicrotask(() => this.pending.filter((p) => p.name === 'DEVICE_DELETED' && (p.predicate?.(data) ?? true)).forEach((p) => p.resolve({ event: 'DEVICE_DELETED', data })));
    }
    return r;
  }
  override expectEvent(name = '', options?: { predicate?: (d: Record<string, unknown>) => boolean }): Promise<QmpEventMessage> {
    this.order.push(`wait:${name}`);
    return new Promise((resolve) => this.pending.push({ name, resolve, ...(options?.predicate ? { predicate: options.predicate } : {}) }));
  }
}

let dir: string;
let image: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-usb-'));
  image = join(dir, 'stick.img');
  writeFileSync(image, Buffer.alloc(65536));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fail = (p: Promise<unknown>): Promise<EngineError> => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as EngineError);

function running(host: FakeMediaHost): UsbQmp {
  const qmp = new UsbQmp();
  host.sessions.set(VM_ID, { vmId: VM_ID, state: { kind: 'running' }, qmp, lastShutdown: null });
  return qmp;
}

describe('USB argv and QMP arguments', () => {
  it('usb-host: vendor:product as 0x hex in the argv and JSON numbers over QMP; a port as hostbus + hostport', () => {
    expect(usbHostDeviceAdd({ vendor: '046d', product: 'c52b' })).toEqual({ driver: 'usb-host', id: 'host-046d-c52b', bus: 'xhci.0', vendorid: 0x046d, productid: 0xc52b });
    expect(usbHostDeviceAdd({ port: '3-1.4' })).toEqual({ driver: 'usb-host', id: 'host-port-3-1-4', bus: 'xhci.0', hostbus: 3, hostport: '1.4' });
    expect(hostDeviceId({ port: '1-2' })).toBe('host-port-1-2');
    expect(parseRuleSpec('046D:C52B')).toEqual({ vendor: '046d', product: 'c52b' });
    expect(parseRuleSpec('1-2.3')).toEqual({ port: '1-2.3' });
  });

  it('a stick\'s nodes over QMP are the argv\'s: bottom first, backing named, backing layers read-only', () => {
    expect(stickBlockdevs('usb1', [{ path: '/i/top.qcow2', format: 'qcow2' }, { path: '/i/base.img', format: 'raw' }], false)).toEqual([
      { driver: 'file', filename: '/i/base.img', 'node-name': 'usb1-b1-file', 'read-only': true },
      { driver: 'raw', file: 'usb1-b1-file', 'node-name': 'usb1-b1', 'read-only': true },
      { driver: 'file', filename: '/i/top.qcow2', 'node-name': 'usb1-file' },
      { driver: 'qcow2', file: 'usb1-file', 'node-name': 'usb1', backing: 'usb1-b1' },
    ]);
    const doc = new FakeMediaHost(dir).doc;
    const argv = usbArgs({ ...doc, usb: { images: [{ id: 'usb0', path: '/i/a,b.img', format: 'raw', readOnly: true }], rules: [] } }, '/b');
    // Commas in a path are doubled by the option helper.
    expect(argv).toContain('driver=file,filename=/i/a,,b.img,node-name=usb0-file,read-only=on');
  });
});

describe('UsbService', () => {
  it('stopped: a stick is checked and saved (format from its header), nothing sent to QEMU', async () => {
    const host = new FakeMediaHost(dir);
    const r = await new UsbService(host).attach({ vm: VM_ID, image, readOnly: true });
    expect(r.attachment).toEqual({ id: 'usb0', kind: 'image', source: image, readOnly: true, saved: true, live: false });
    expect(host.doc.usb.images).toEqual([{ id: 'usb0', path: image, format: 'raw', readOnly: true }]);
  });

  it('running: blockdev-add per node, then device_add usb-storage on xhci.0; detach waits for DEVICE_DELETED (subscribed first), then deletes the nodes', async () => {
    const host = new FakeMediaHost(dir);
    const qmp = running(host);
    const svc = new UsbService(host);
    await svc.attach({ vm: VM_ID, image });
    expect(qmp.calls.map((c) => c.command)).toEqual(['blockdev-add', 'blockdev-add', 'device_add']);
    expect(qmp.calls[2]!.args).toEqual({ driver: 'usb-storage', id: 'usb0', drive: 'usb0', bus: 'xhci.0', removable: true });
    qmp.order.length = 0;
    await svc.detach({ vm: VM_ID, id: 'usb0' });
    expect(qmp.order).toEqual(['wait:DEVICE_DELETED', 'device_del', 'blockdev-del', 'blockdev-del']);
    expect(qmp.calls.slice(-2).map((c) => c.args)).toEqual([{ 'node-name': 'usb0' }, { 'node-name': 'usb0-file' }]);
    expect(host.doc.usb.images).toEqual([]);
  });

  it('a device_add QEMU refuses leaves nothing behind: the nodes added are deleted, the document unchanged', async () => {
    const host = new FakeMediaHost(dir);
    const qmp = running(host);
    qmp.script['device_add'] = () => { throw Object.assign(new Error('Bus \'xhci.0\' not found'), { desc: "Bus 'xhci.0' not found" }); };
    const err = await fail(new UsbService(host).attach({ vm: VM_ID, image }));
    expect(err.message).toMatch(/QEMU could not plug in .*stick\.img as a USB stick: Bus 'xhci\.0' not found/);
    expect(qmp.calls.filter((c) => c.command === 'blockdev-del').map((c) => c.args)).toEqual([{ 'node-name': 'usb0' }, { 'node-name': 'usb0-file' }]);
    expect(host.doc.usb.images).toEqual([]);
  });

  it('a machine started without a USB controller refuses live devices, saying to attach it stopped', async () => {
    const host = new FakeMediaHost(dir);
    host.doc = { ...host.doc, input: { pointer: 'ps2-mouse', keyboard: 'ps2' } };
    const qmp = running(host);
    const err = await fail(new UsbService(host).attach({ vm: VM_ID, device: '046d:c52b' }));
    expect(err.message).toMatch(/started without a USB controller .* shut it down and attach it then/);
    expect(qmp.calls).toEqual([]);
  });

  it('a host device by hand lives until the session ends; stopped, --device is a rule; the RAM-snapshot refusal names what blocks', async () => {
    const host = new FakeMediaHost(dir);
    const qmp = running(host);
    const svc = new UsbService(host);
    const r = await svc.attach({ vm: VM_ID, device: '046d:c52b' });
    expect(r.attachment).toEqual({ id: 'host-046d-c52b', kind: 'host', source: '046d:c52b', saved: false, live: true });
    expect(qmp.calls[0]).toEqual({ command: 'device_add', args: { driver: 'usb-host', id: 'host-046d-c52b', bus: 'xhci.0', vendorid: 0x046d, productid: 0xc52b } });
    expect(svc.ramSnapshotRefusal(VM_ID, host.doc)).toMatch(/cannot include host USB device host-046d-c52b \(046d:c52b\).*hangar usb detach "vm" host-046d-c52b/);
    host.sessions.delete(VM_ID);
    svc.sessionEnded(VM_ID);
    expect((await svc.list({ vm: VM_ID })).attachments).toEqual([]);
    expect(svc.ramSnapshotRefusal(VM_ID, host.doc)).toBeNull();
    const saved = await svc.attach({ vm: VM_ID, device: '046d:c52b' });
    expect(saved.attachment).toMatchObject({ saved: true, live: false });
    expect(host.doc.usb.rules).toEqual([{ vendor: '046d', product: 'c52b' }]);
    expect((await fail(svc.ruleAdd({ vm: VM_ID, device: '046D:C52B' }))).message).toMatch(/already has the USB rule 046d:c52b/);
  });
});
