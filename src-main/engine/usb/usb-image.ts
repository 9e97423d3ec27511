import { isAbsolute, resolve } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import type { DiskFormat, VmUsbImage } from '../../../src-shared/vm-document/index.js';
import { refuseOwnFile } from '../browser-paths.js';
import { diskRules, inspectImageChain, USER_CHOSEN, type ChainLayer, type VmChains } from '../storage/image-chain.js';

/**
 * An image about to become a USB stick: the disks' own check (storage/image-chain.ts: a regular file, not in a
 * system folder, every backing file checked, no protocols; a FIFO or device node is refused before it is opened),
 * and not one of Hangar's own files (a machine's vm.json, the library index) for any client, not only the browser
 * host's. The format is taken from the header now and kept, so a guest writing a qcow2 header into a raw stick
 * does not change how it is opened next time.
 */
export async function checkUsbImage(given: string, libraryDir: string): Promise<{ path: string; format: DiskFormat; chain: ChainLayer[] }> {
  if (given.includes('\0')) throw new EngineError('invalid-args', 'the image path contains a NUL character', { field: 'image' });
  const path = resolve(given);
  let chain: ChainLayer[];
  try {
    chain = await inspectImageChain(path, null, USER_CHOSEN);
  } catch (err) {
    if (err instanceof EngineError) throw new EngineError(err.code, `USB stick image: ${err.message}`, { ...err.details, field: 'image' });
    throw err;
  }
  for (const layer of chain) await refuseOwnFile(path, layer.path, libraryDir);
  return { path, format: chain[0]!.format, chain };
}

/** The checked chain of every stick of a machine, for the start (by device id, beside the disks' in `paths.chains`). */
export async function checkUsbImages(vm: { name: string; bundleDir: string; doc: { usb: { images: ReadonlyArray<VmUsbImage> } } }, libraryBundles: readonly string[]): Promise<VmChains> {
  const chains: VmChains = {};
  for (const image of vm.doc.usb.images) {
    const file = isAbsolute(image.path) ? image.path : resolve(vm.bundleDir, image.path);
    try {
      chains[image.id] = await inspectImageChain(file, image.format, diskRules(vm.bundleDir, image.path, libraryBundles));
    } catch (err) {
      if (!(err instanceof EngineError)) throw err;
      throw new EngineError('start-refused', `USB stick ${image.id} of "${vm.name}": ${err.message} (detach it with hangar usb detach, or put the image back)`, { ...err.details, field: 'usb', device: image.id });
    }
  }
  return chains;
}
