import { DROP_CHUNK_BYTES, MAX_DROP_BYTES } from '../../../src-shared/shares/drop-name.js';
import type { HangarApi } from '../../bridge/hangar-api.js';

/** Base64 of bytes without a Node Buffer (the renderer is a browser). */
export function bytesToBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/**
 * Copies one dropped file into the guest (engine: file.drop.*): refused here already when it is too big (nothing is
 * read), then sent in 256 KiB chunks, one at a time (the browser host relays each over its WebSocket; the engine
 * shows progress as a file-drop job). A failed chunk cancels the drop. Resolves with where it landed in the guest.
 */
export async function sendFileToGuest(api: Pick<HangarApi, 'call'>, vmId: string, file: Pick<File, 'name' | 'size' | 'slice'>): Promise<string> {
  if (file.size > MAX_DROP_BYTES) throw new Error(`${file.name} is too big to drop into the guest (at most ${MAX_DROP_BYTES / 1024 ** 3} GiB); share a folder for big files`);
  const { dropId, guestPath } = await api.call('file.drop.begin', { vm: vmId, name: file.name, size: file.size });
  try {
    for (let at = 0; at < file.size; at += DROP_CHUNK_BYTES) {
      const bytes = new Uint8Array(await file.slice(at, at + DROP_CHUNK_BYTES).arrayBuffer());
      await api.call('file.drop.chunk', { dropId, offset: at, data: bytesToBase64(bytes) });
    }
    await api.call('file.drop.end', { dropId });
  } catch (err) {
    await api.call('file.drop.cancel', { dropId }).catch(() => undefined);
    throw err;
  }
  return guestPath;
}
