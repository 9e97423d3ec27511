import type { UsbService } from '../usb/usb-service.js';
import type { CommandSet } from './command-kit.js';

/** USB sticks and host USB devices (usb/usb-service.ts). */
export function usbCommands(usb: UsbService): CommandSet<'usb.host.list' | 'usb.list' | 'usb.attach' | 'usb.detach' | 'usb.rule.add' | 'usb.rule.remove'> {
  return {
    'usb.host.list': async () => usb.hostList(),
    'usb.list': async (a) => usb.list(a),
    'usb.attach': async (a) => usb.attach(a),
    'usb.detach': async (a) => usb.detach(a),
    'usb.rule.add': async (a) => usb.ruleAdd(a),
    'usb.rule.remove': async (a) => usb.ruleRemove(a),
  };
}
