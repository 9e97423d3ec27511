// Paths, serial markers and the known screen pattern of the tiny test guests that
// test/fixtures/build-fixtures.sh builds (see test/fixtures/README.md).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder holding the built fixtures (override with HANGAR_FIXTURES_CACHE, like the build script). */
export const fixturesCacheDir: string = process.env.HANGAR_FIXTURES_CACHE
  ? resolve(process.env.HANGAR_FIXTURES_CACHE)
  : fileURLToPath(new URL('../fixtures/cache/', import.meta.url));

function builtFixture(file: string): string {
  const path = resolve(fixturesCacheDir, file);
  if (!existsSync(path)) {
    throw new Error(`test fixture ${path} is missing: run \`npm run fixtures\` (or \`npm run setup\`)`);
  }
  return path;
}

/** Absolute paths of the built fixtures. Reading a property throws when that fixture is not built. */
export const fixturePaths = {
  /** 1 MiB raw disk: BIOS boot sector (attach as a disk, e.g. ide-hd; SeaBIOS only). */
  get bootImg(): string {
    return builtFixture('boot.img');
  },
  /** Hybrid ISO, volume label HANGAR_LINUX: boots with SeaBIOS (isolinux) and OVMF (UKI). */
  get linuxIso(): string {
    return builtFixture('linux.iso');
  },
  /**
   * Installer ISO, volume label HANGAR_INSTALL (SeaBIOS and OVMF): installs a tiny system onto the VM's
   * first disk, prints `installDone` and powers off (or reboots: answer `installerReady` with "reboot").
   * The disk then boots on its own (syslinux or a UKI on an MBR EFI system partition): `installedBootOk`.
   */
  get installerIso(): string {
    return builtFixture('installer.iso');
  },
  /** UEFI-only arm64 ISO, volume label HANGAR_AARCH64 (AAVMF boots its UKI): linux.iso's guest, serial on ttyAMA0. */
  get aarch64Iso(): string {
    return builtFixture('aarch64.iso');
  },
  /** Raw riscv64 disk (MBR + FAT, extlinux): U-Boot boots linux.iso's guest from it; serial on ttyS0, no power button. */
  get riscv64Img(): string {
    return builtFixture('riscv64.img');
  },
};

/** Exact lines the guests print on their first serial port (COM1 / ttyS0). Lines end in CRLF. */
export const markers = {
  /** boot.img: printed once per boot (again after Ctrl+Alt+Del, which makes the BIOS reboot). */
  bootOk: 'HANGAR-BOOT-OK',
  /** boot.img: `KEY:<char>` for printable ASCII, `KEY:#SSAA` (hex BIOS scan code + ASCII) otherwise. */
  bootKeyPrefix: 'KEY:',
  /** linux.iso: init is up; serial echo, keyboard echo and power-button watcher are running. */
  linuxReady: 'HANGAR-LINUX-READY',
  /** linux.iso: the ACPI power button was pressed; the guest powers off right after. */
  linuxPoweroff: 'HANGAR-LINUX-POWEROFF',
  /** linux.iso: every line received on ttyS0 comes back as `ECHO:<line>` (the tty does not echo). */
  linuxEchoPrefix: 'ECHO:',
  /** linux.iso: every line typed on the VGA console keyboard (tty1) is sent to ttyS0 as `KBD:<line>`. */
  linuxKbdPrefix: 'KBD:',
  /** linux.iso with a virtio display: `DRM-MODE:<connector>:<WxH>`, the connector's preferred mode, at start and on each change. */
  linuxDrmModePrefix: 'DRM-MODE:',
  /** installer.iso: the installer runs; a line "reboot" on ttyS0 within 3 s makes it reboot instead of powering off. */
  installerReady: 'HANGAR-INSTALLER-READY',
  /** installer.iso: the system image is on the disk and synced; the guest powers off (or reboots) next. */
  installDone: 'HANGAR-INSTALL-DONE',
  /** installer.iso: `HANGAR-INSTALL-FAILED:<why>`; the guest then waits (no power-off). */
  installFailedPrefix: 'HANGAR-INSTALL-FAILED:',
  /** The installed system booted from the disk. */
  installedBootOk: 'HANGAR-INSTALLED-BOOT-OK',
} as const;

/** The serial line boot.img prints for a key read through int 16h. */
export function bootKeyLine(ascii: string, scanCode?: number): string {
  const code = ascii.charCodeAt(0);
  if (code >= 0x20 && code <= 0x7e) return `KEY:${ascii}`;
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
  return `KEY:#${hex(scanCode ?? 0)}${hex(code)}`;
}

export type Rgb = readonly [number, number, number];

/**
 * boot.img screen: VGA mode 13h, 320x200 guest pixels, default palette. QEMU's screendump and VNC
 * framebuffer are 640x400 (every guest pixel is 2x2); use {@link bootPatternProbes} to scale.
 * Colours are as QEMU 7.2 renders the 6-bit palette (42 -> 0xA8, 63 -> 0xFF).
 */
export const bootPattern = {
  width: 320,
  height: 200,
  background: [0x00, 0x00, 0x00] as Rgb,
  /** Four bars filling the bottom half, inclusive guest coordinates. */
  bars: [
    { name: 'red', x0: 0, x1: 79, y0: 100, y1: 199, rgb: [0xa8, 0x00, 0x00] as Rgb },
    { name: 'green', x0: 80, x1: 159, y0: 100, y1: 199, rgb: [0x00, 0xa8, 0x00] as Rgb },
    { name: 'blue', x0: 160, x1: 239, y0: 100, y1: 199, rgb: [0x00, 0x00, 0xa8] as Rgb },
    { name: 'white', x0: 240, x1: 319, y0: 100, y1: 199, rgb: [0xff, 0xff, 0xff] as Rgb },
  ],
  /** "HANGAR-BOOT-OK" in yellow 8x8 text at text row 0 (guest y 0..7, x 0..111). */
  title: { x0: 0, x1: 111, y0: 0, y1: 7, rgb: [0xff, 0xff, 0x57] as Rgb },
  /** Echoed keys: white 8x8 glyphs on text row 2 (guest y 16..23), column n at x 8n..8n+7, wrapping after 40. */
  keyRow: { y0: 16, y1: 23, cellWidth: 8, columns: 40, rgb: [0xff, 0xff, 0xff] as Rgb },
  /** Always black: guest y 40..99 (between the text rows and the bars). */
  blank: { x0: 0, x1: 319, y0: 40, y1: 99 },
} as const;

export interface PixelProbe {
  x: number;
  y: number;
  rgb: Rgb;
  what: string;
}

/** Points (in a framebuffer of the given size) with the colour boot.img must show there. */
export function bootPatternProbes(width = 640, height = 400): PixelProbe[] {
  const sx = width / bootPattern.width;
  const sy = height / bootPattern.height;
  const at = (gx: number, gy: number) => ({ x: Math.floor(gx * sx), y: Math.floor(gy * sy) });
  const probes: PixelProbe[] = [];
  for (const bar of bootPattern.bars) {
    const cx = (bar.x0 + bar.x1) / 2;
    const cy = (bar.y0 + bar.y1) / 2;
    for (const [gx, gy] of [[cx, cy], [bar.x0 + 2, bar.y0 + 2], [bar.x1 - 2, bar.y1 - 2]] as const) {
      probes.push({ ...at(gx, gy), rgb: bar.rgb, what: `${bar.name} bar` });
    }
  }
  for (const [gx, gy] of [[10, 50], [160, 70], [310, 95]] as const) {
    probes.push({ ...at(gx, gy), rgb: bootPattern.background, what: 'black background' });
  }
  return probes;
}

export interface RgbImage {
  width: number;
  height: number;
  /** RGB bytes, row by row. */
  data: Uint8Array;
  pixel(x: number, y: number): Rgb;
}

/** Decodes a binary PPM (P6, maxval 255), e.g. from QMP `screendump {format: 'ppm'}`. */
export function parsePpm(buf: Uint8Array): RgbImage {
  let pos = 0;
  const token = (): string => {
    for (;;) {
      while (pos < buf.length && /\s/.test(String.fromCharCode(buf[pos]!))) pos++;
      if (buf[pos] === 0x23 /* # */) {
        while (pos < buf.length && buf[pos] !== 0x0a) pos++;
        continue;
      }
      break;
    }
    let s = '';
    while (pos < buf.length && !/\s/.test(String.fromCharCode(buf[pos]!))) s += String.fromCharCode(buf[pos++]!);
    return s;
  };
  const magic = token();
  const width = Number(token());
  const height = Number(token());
  const maxval = Number(token());
  pos++; // single whitespace after maxval
  if (magic !== 'P6' || !(width > 0) || !(height > 0) || maxval !== 255) {
    throw new Error(`not a P6/255 PPM (magic ${magic}, ${width}x${height}, maxval ${maxval})`);
  }
  const data = buf.subarray(pos, pos + width * height * 3);
  if (data.length !== width * height * 3) throw new Error(`truncated PPM: ${data.length} of ${width * height * 3} bytes`);
  return {
    width,
    height,
    data,
    pixel(x, y) {
      const i = (y * width + x) * 3;
      return [data[i]!, data[i + 1]!, data[i + 2]!];
    },
  };
}

/** Largest per-channel difference between two colours. */
export function colourDistance(a: Rgb, b: Rgb): number {
  return Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));
}

/**
 * Reads the key row's glyph count until it is `n` or `timeoutMs` has passed, and returns the last count (the
 * caller asserts it): the guest draws a key a moment after it prints it, so a count is waited for, not taken once.
 */
export async function settledGlyphCount(read: () => Promise<number>, n: number, timeoutMs: number): Promise<number> {
  let got = await read();
  const deadline = Date.now() + timeoutMs;
  while (got !== n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    got = await read();
  }
  return got;
}

/** Columns of boot.img's key row that show a glyph (pixels near the key-row colour), from a screen image. */
export function countKeyRowGlyphs(img: RgbImage): number {
  const sx = img.width / bootPattern.width;
  const sy = img.height / bootPattern.height;
  const { keyRow } = bootPattern;
  let count = 0;
  for (let col = 0; col < keyRow.columns; col++) {
    let lit = false;
    for (let gy = keyRow.y0; gy <= keyRow.y1 && !lit; gy++) {
      for (let gx = col * keyRow.cellWidth; gx < (col + 1) * keyRow.cellWidth && !lit; gx++) {
        if (colourDistance(img.pixel(Math.floor(gx * sx), Math.floor(gy * sy)), keyRow.rgb) < 40) lit = true;
      }
    }
    if (lit) count++;
  }
  return count;
}
