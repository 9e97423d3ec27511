// Hand-built ISO 9660 images for unit tests: sectors 0–15 empty, 16 PVD, 17 El Torito record (optional),
// then the terminator and the boot catalog.
import { SECTOR } from '../../../../src-main/engine/iso/iso9660.js';

export interface BootSection {
  platformId: number;
  entries: Array<{ bootable: boolean; extensions?: number }>;
}

export interface IsoSpec {
  volumeId?: string;
  systemId?: string;
  publisherId?: string;
  applicationId?: string;
  /** Omit for an image without El Torito. */
  boot?: {
    /** Platform of the initial/default entry (validation entry). */
    platformId: number;
    defaultBootable?: boolean;
    sections?: BootSection[];
    /** Break the validation checksum. */
    badChecksum?: boolean;
    /** Point the record somewhere else. */
    catalogLba?: number;
  };
  /** Sectors in the image (default: just enough). */
  sectors?: number;
  /** Override the PVD's volume space size (logical blocks). */
  volumeBlocks?: number;
}

function put(buf: Uint8Array, offset: number, text: string, length: number, pad = 0x20): void {
  for (let i = 0; i < length; i++) buf[offset + i] = i < text.length ? text.charCodeAt(i) : pad;
}
const putU16 = (b: Uint8Array, o: number, v: number) => {
  b[o] = v & 0xff;
  b[o + 1] = (v >> 8) & 0xff;
};
const putU32 = (b: Uint8Array, o: number, v: number) => {
  for (let i = 0; i < 4; i++) b[o + i] = (v >>> (8 * i)) & 0xff;
};
/** Both-endian u32 (ECMA-119 7.3.3). */
const putU32Both = (b: Uint8Array, o: number, v: number) => {
  putU32(b, o, v);
  for (let i = 0; i < 4; i++) b[o + 4 + i] = (v >>> (8 * (3 - i))) & 0xff;
};

function descriptor(buf: Uint8Array, lba: number, type: number): Uint8Array {
  const d = buf.subarray(lba * SECTOR, (lba + 1) * SECTOR);
  d[0] = type;
  put(d, 1, 'CD001', 5);
  d[6] = 1;
  return d;
}

export function buildIso(spec: IsoSpec = {}): Uint8Array {
  const hasBoot = spec.boot !== undefined;
  const terminatorLba = hasBoot ? 18 : 17;
  const catalogLba = terminatorLba + 1;
  const sectors = spec.sectors ?? (hasBoot ? catalogLba + 1 : terminatorLba + 1);
  const buf = new Uint8Array(sectors * SECTOR);

  const pvd = descriptor(buf, 16, 1);
  put(pvd, 8, spec.systemId ?? '', 32);
  put(pvd, 40, spec.volumeId ?? 'TEST', 32);
  putU32Both(pvd, 80, spec.volumeBlocks ?? sectors);
  putU16(pvd, 128, SECTOR); // logical block size, both-endian
  pvd[130] = SECTOR >> 8;
  pvd[131] = SECTOR & 0xff;
  put(pvd, 318, spec.publisherId ?? '', 128);
  put(pvd, 574, spec.applicationId ?? '', 128);

  if (spec.boot) {
    const br = descriptor(buf, 17, 0);
    put(br, 7, 'EL TORITO SPECIFICATION', 32, 0);
    putU32(br, 0x47, spec.boot.catalogLba ?? catalogLba);

    if (catalogLba < sectors) {
      const cat = buf.subarray(catalogLba * SECTOR, (catalogLba + 1) * SECTOR);
      cat[0] = 0x01;
      cat[1] = spec.boot.platformId;
      put(cat, 4, 'HANGAR TEST', 24, 0);
      cat[30] = 0x55;
      cat[31] = 0xaa;
      let sum = 0;
      for (let o = 0; o < 32; o += 2) if (o !== 28) sum = (sum + (cat[o]! | (cat[o + 1]! << 8))) & 0xffff;
      putU16(cat, 28, (0x10000 - sum) & 0xffff);
      if (spec.boot.badChecksum) cat[28] = (cat[28]! + 1) & 0xff;

      cat[32] = spec.boot.defaultBootable === false ? 0x00 : 0x88;
      putU16(cat, 32 + 6, 4);
      putU32(cat, 32 + 8, 30);

      let o = 64;
      const sections = spec.boot.sections ?? [];
      sections.forEach((s, i) => {
        cat[o] = i === sections.length - 1 ? 0x91 : 0x90;
        cat[o + 1] = s.platformId;
        putU16(cat, o + 2, s.entries.length);
        o += 32;
        for (const e of s.entries) {
          cat[o] = e.bootable ? 0x88 : 0x00;
          if (e.extensions) cat[o + 1] = 0x20;
          putU16(cat, o + 6, 4);
          putU32(cat, o + 8, 40);
          o += 32;
          for (let x = 0; x < (e.extensions ?? 0); x++) {
            cat[o] = 0x44;
            cat[o + 1] = x < (e.extensions ?? 0) - 1 ? 0x20 : 0;
            o += 32;
          }
        }
      });
    }
  }
  descriptor(buf, terminatorLba, 255);
  return buf;
}
