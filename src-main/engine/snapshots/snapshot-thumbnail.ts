import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { downscale, encodePng, parsePpm } from '../display/image.js';
import type { QmpCommands } from '../qmp/qmp-commands.js';

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

/**
 * The snapshots' screenshots being made: a live take's is captured after the reply (a raw screendump, then the
 * PNG), and reading or deleting it waits for that.
 */
export class SnapshotThumbs {
  /** PNG encodings still running, by PNG path. */
  private readonly jobs = new Map<string, Promise<void>>();

  /**
   * Taken just after the save, while the guest has run for at most the time of one QMP round trip, so it shows
   * the screen the snapshot holds; keeping it out of the save keeps the guest's pause and the reply short. A
   * failure only costs the picture (the tree still names the file; reading it then says it is gone).
   */
  capture(session: { readonly qmp: QmpCommands }, png: string, onError: (err: Error) => void): void {
    const job = (async () => {
      await mkdir(dirname(png), { recursive: true });
      await session.qmp.execute('screendump', { filename: rawThumbPath(png), format: 'ppm' });
      await encodeSnapshotThumb(png);
    })()
      .catch(async (err: Error) => {
        onError(err);
        await removeSnapshotThumb(png);
      })
      .finally(() => {
        if (this.jobs.get(png) === job) this.jobs.delete(png);
      });
    this.jobs.set(png, job);
  }

  /** Resolves once the screenshot at `png` (if being made) is written or given up. */
  async settled(png: string): Promise<void> {
    await this.jobs.get(png);
  }

  /** Resolves when every screenshot still being made is written (tests, orderly shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.jobs.values()]);
  }

  /** The PNG; one left as a raw screendump by an engine killed before it encoded it is encoded now. Null: gone. */
  async read(png: string): Promise<Buffer | null> {
    await this.settled(png);
    try {
      return await readFile(png);
    } catch {
      if (!(await access(rawThumbPath(png)).then(() => true, () => false))) return null;
      await encodeSnapshotThumb(png).catch(() => undefined);
      return readFile(png).catch(() => null);
    }
  }
}
