// The host-side hazards: fake QEMU binaries, a tiny file system that fills up, a second engine.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Folders to put first on PATH: none of them holds a working QEMU. */
export interface FakeQemuBins {
  /** No qemu-system-* and no qemu-img at all. */
  empty: string;
  /** qemu-system-x86_64 that prints binary garbage whatever it is asked. */
  garbage: string;
  /** qemu-system-x86_64 that answers the probe like QEMU 7.2, then prints garbage and exits 1 when started. */
  crashing: string;
}

const MACHINES = [
  'Supported machines are:',
  'q35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)',
  'pc-q35-7.2           Standard PC (Q35 + ICH9, 2009)',
  'pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)',
  'pc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)',
].join('\\n');

function script(dir: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'qemu-system-x86_64');
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return dir;
}

export function makeFakeQemuBins(root: string): FakeQemuBins {
  const empty = join(root, 'bin-empty');
  mkdirSync(empty, { recursive: true });
  return {
    empty,
    garbage: script(join(root, 'bin-garbage'), `printf '\\377\\376 GARBAGE \\033[31m%%s\\000 not qemu at all\\n' "$*"\nexit 0`),
    crashing: script(
      join(root, 'bin-crashing'),
      [
        'case "$1" in',
        '  --version) echo "QEMU emulator version 7.2.22 (fake)"; exit 0;;',
        `  -machine) if [ "$2" = help ]; then printf '${MACHINES}\\n'; exit 0; fi;;`,
        'esac',
        `printf '\\001\\002 ~~~ kernel panic in the matrix at 0xdeadbeef ~~~\\n' >&2`,
        'exit 1',
      ].join('\n'),
    ),
  };
}

export interface SmallDisk {
  /** Where the small file system is mounted. */
  dir: string;
  /** Fills it until only `keepBytes` stay free (a filler file outside `dir/library`). */
  fillLeaving(keepBytes: number): void;
  unmount(): void;
}

/**
 * A 2 MiB file system to fill up: a tmpfs (we run as root, locally and in CI), else a loop-mounted ext4
 * image. Throws a clear error when neither can be mounted: the disk-full cases must not pass silently.
 */
export function mountSmallDisk(dir: string): SmallDisk {
  mkdirSync(dir, { recursive: true });
  const errors: string[] = [];
  let mounted = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0755', 'tmpfs', dir], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    errors.push(`tmpfs: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
  }
  if (!mounted) {
    try {
      const img = `${dir}.img`;
      execFileSync('truncate', ['-s', '4M', img]);
      execFileSync('mkfs.ext4', ['-q', '-F', img], { stdio: 'pipe' });
      execFileSync('mount', ['-o', 'loop', img, dir], { stdio: 'pipe' });
      mounted = true;
    } catch (err) {
      errors.push(`loop device: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
    }
  }
  if (!mounted) {
    throw new Error(`the disk-full cases need a small file system to fill, but neither a 2 MiB tmpfs nor a loop device could be mounted here (run as root, or give the container CAP_SYS_ADMIN): ${errors.join('; ')}`);
  }
  let filler = 0;
  return {
    dir,
    fillLeaving(keepBytes) {
      const { bavail, bsize } = statfsSync(dir);
      const free = bavail * bsize;
      if (free > keepBytes) writeFileSync(join(dir, `filler-${filler++}`), Buffer.alloc(free - keepBytes));
    },
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    },
  };
}
