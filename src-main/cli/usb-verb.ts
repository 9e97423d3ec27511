import { resolve } from 'node:path';
import { EngineError, type EngineClient, type UsbAttachment, type UsbHostDevice } from '../../src-shared/contract/index.js';

export function formatHostUsb(devices: readonly UsbHostDevice[]): string {
  if (devices.length === 0) return 'No USB devices (or no USB bus) on this host.\n';
  return devices
    .map((d) => {
      const head = `${d.vendor}:${d.product}  port ${d.port}  bus ${d.busnum} device ${d.devnum}  ${d.label}${d.isHub ? ' (hub)' : ''}\n`;
      if (d.access.status === 'ok') return head;
      if (d.access.status === 'missing') return `${head}    no device node ${d.access.devNode}\n`;
      return `${head}    not usable by you: ${d.access.fix}\n`;
    })
    .join('');
}

export function formatAttachments(list: readonly UsbAttachment[]): string {
  if (list.length === 0) return 'No USB devices.\n';
  return list
    .map((a) => `${a.id}  ${a.kind === 'image' ? 'stick' : 'host'}  ${a.source}${a.readOnly ? ' (read-only)' : ''}${a.saved ? '' : ' (until it stops)'}${a.live ? ' [plugged in]' : ''}\n`)
    .join('');
}

/**
 * `hangar usb list [VM] | attach VM (--image FILE [--read-only] | --device V:P) | detach VM ID | rule add|remove VM V:P|PORT`;
 * returns the exit code.
 */
export async function usbVerb(c: EngineClient, positionals: string[], v: Record<string, string | boolean | undefined>, out: (s: string) => void): Promise<number> {
  const [action, ...rest] = positionals as [string, ...string[]];
  const json = v['json'] === true;
  const extra = (n: number): void => {
    if (rest.length > n) throw new EngineError('invalid-args', `unexpected argument "${rest[n]}"`);
  };
  switch (action) {
    case 'list': {
      extra(1);
      if (rest[0] === undefined) {
        const r = await c.call('usb.host.list', {});
        out(json ? `${JSON.stringify(r.devices, null, 2)}\n` : formatHostUsb(r.devices));
      } else {
        const r = await c.call('usb.list', { vm: rest[0] });
        out(json ? `${JSON.stringify(r, null, 2)}\n` : formatAttachments(r.attachments));
      }
      return 0;
    }
    case 'attach': {
      const [vm] = rest;
      extra(1);
      if (!vm) throw new EngineError('invalid-args', 'hangar usb attach needs a VM');
      const image = typeof v['image'] === 'string' ? v['image'] : undefined;
      const device = typeof v['device'] === 'string' ? v['device'] : undefined;
      if ((image === undefined) === (device === undefined)) throw new EngineError('invalid-args', 'hangar usb attach needs either --image FILE (a disk image as a USB stick) or --device VENDOR:PRODUCT (a host device)');
      if (v['read-only'] === true && image === undefined) throw new EngineError('invalid-args', '--read-only is for --image');
      const r = await c.call('usb.attach', image !== undefined ? { vm, image: resolve(image), ...(v['read-only'] === true ? { readOnly: true } : {}) } : { vm, device: device! });
      const a = r.attachment;
      out(json ? `${JSON.stringify(r, null, 2)}\n` : `${a.id}  ${a.source}${a.live ? ' (plugged in now)' : a.kind === 'host' ? ' (saved as a rule: taken at every start)' : ' (plugged in at the next start)'}\n`);
      return 0;
    }
    case 'detach': {
      const [vm, id] = rest;
      extra(2);
      if (!vm || !id) throw new EngineError('invalid-args', 'hangar usb detach needs a VM and a device id (hangar usb list VM shows them)');
      const r = await c.call('usb.detach', { vm, id });
      if (json) out(`${JSON.stringify(r, null, 2)}\n`);
      return 0;
    }
    case 'rule': {
      const [sub, vm, spec] = rest;
      extra(3);
      if (sub !== 'add' && sub !== 'remove') throw new EngineError('invalid-args', `hangar usb rule needs add or remove (got "${sub ?? ''}")`);
      if (!vm || !spec) throw new EngineError('invalid-args', `hangar usb rule ${sub} needs a VM and VENDOR:PRODUCT (or a port like 1-2.3)`);
      const r = await c.call(sub === 'add' ? 'usb.rule.add' : 'usb.rule.remove', { vm, device: spec });
      out(json ? `${JSON.stringify(r, null, 2)}\n` : formatAttachments(r.attachments));
      return 0;
    }
    default:
      throw new EngineError('invalid-args', `unknown usb action "${action}" (list, attach, detach, rule)`);
  }
}
