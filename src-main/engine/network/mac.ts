import { randomBytes } from 'node:crypto';

/**
 * A random MAC address in QEMU's locally administered range (52:54:00:xx:xx:xx), lowercase as the VM document
 * wants it; not one of `taken` (the library's other machines), so two VMs on one network do not collide.
 */
export function randomMac(taken: ReadonlySet<string> = new Set()): string {
  for (;;) {
    const mac = `52:54:00:${[...randomBytes(3)].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
    if (!taken.has(mac)) return mac;
  }
}
