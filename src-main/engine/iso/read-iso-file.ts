import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { IsoError, readIsoInfo, type ByteSource, type IsoInfo } from './iso9660.js';

/** Reads the volume descriptors and boot catalog of an ISO file (or optical block device) at `path`. */
export async function readIsoFile(path: string): Promise<IsoInfo & { path: string }> {
  const abs = resolve(path);
  let size: number | null;
  try {
    const s = await stat(abs);
    if (s.isDirectory()) throw new IsoError('not-a-file', `${abs} is a folder, not an ISO image`);
    if (s.isFile()) size = s.size;
    else if (s.isBlockDevice()) size = null;
    else throw new IsoError('not-a-file', `${abs} is not a regular file`);
  } catch (err) {
    if (err instanceof IsoError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new IsoError('not-found', `ISO image not found: ${abs}`);
    throw new IsoError('io', `cannot read ${abs}: ${(err as Error).message}`);
  }

  let handle;
  try {
    handle = await open(abs, 'r');
  } catch (err) {
    throw new IsoError('io', `cannot open ${abs}: ${(err as Error).message}`);
  }
  try {
    const fh = handle;
    const src: ByteSource = {
      size,
      async read(offset, length) {
        const buf = new Uint8Array(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buf.subarray(0, got);
      },
    };
    return { path: abs, ...(await readIsoInfo(src)) };
  } catch (err) {
    if (err instanceof IsoError) throw err;
    throw new IsoError('io', `cannot read ${abs}: ${(err as Error).message}`);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
