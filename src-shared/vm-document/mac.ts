/** Fills the array with random bytes and returns it (Web Crypto's getRandomValues shape). */
export type RandomFill = (bytes: Uint8Array) => Uint8Array;

// Web Crypto is a global in the browser and in Node ≥ 19 alike, so the engine and the renderer share this one
// source; src-shared has no DOM or Node types, hence the local shape.
const webCryptoFill: RandomFill = (bytes) => (globalThis as unknown as { crypto: { getRandomValues(b: Uint8Array): Uint8Array } }).crypto.getRandomValues(bytes);

/**
 * A random MAC address in QEMU's locally administered range (52:54:00:xx:xx:xx), lowercase as the VM document
 * wants it; not one of `taken` (the library's other machines), so two VMs on one network do not collide. The one
 * implementation: the engine (create, clone, import) and the settings dialog (a network adapter turned on) use it.
 */
export function randomMac(taken: ReadonlySet<string> = new Set(), fill: RandomFill = webCryptoFill): string {
  for (;;) {
    const mac = `52:54:00:${[...fill(new Uint8Array(3))].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
    if (!taken.has(mac)) return mac;
  }
}
