import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { downscale, encodePng, parsePpm } from '../display/image.js';

/**
 * A snapshot's screenshot is taken as QEMU's raw PPM right after the save (cheap for QEMU: no PNG encoding on
 * its main loop) and turned into the PNG the contract promises here, after the reply.
 * Big enough for the snapshot panel's 240-pixel preview on a 2× screen.
 */
export const SNAPSHOT_THUMB_MAX = { width: 480, height: 300 } as const;

export const rawThumbPath = (pngPath: string): string => pngPath.replace(/\.png$/, '.ppm');

/**
 * PPM → scaled PNG: written beside it as `<png>.<pid>.tmp` then renamed (a killed engine leaves a temp file the
 * next engine sweeps, never a half PNG), then the PPM is removed. A PPM left by an engine killed before this
 * ran is converted when the thumbnail is first asked for.
 */
export async function encodeSnapshotThumb(pngPath: string): Promise<void> {
  const ppm = rawThumbPath(pngPath);
  const img = downscale(parsePpm(await readFile(ppm)), SNAPSHOT_THUMB_MAX.width, SNAPSHOT_THUMB_MAX.height);
  const tmp = `${pngPath}.${process.pid}.tmp`;
  await writeFile(tmp, encodePng(img));
  await rename(tmp, pngPath);
  await rm(ppm, { force: true });
}

/** Removes a snapshot's screenshot in either form. */
export async function removeSnapshotThumb(pngPath: string): Promise<void> {
  await Promise.all([rm(pngPath, { force: true }), rm(rawThumbPath(pngPath), { force: true })]);
}
