import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IsoError,
  PLATFORM_EFI,
  PLATFORM_X86,
  SECTOR,
  bufferSource,
  readIsoFile,
  readIsoInfo,
  type ByteSource,
} from '../../../../src-main/engine/iso/index.js';
import { buildIso } from './iso-builder.js';

const read = (buf: Uint8Array) => readIsoInfo(bufferSource(buf));

async function isoError(p: Promise<unknown>): Promise<IsoError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(IsoError);
    return err as IsoError;
  }
  throw new Error('expected an IsoError');
}

describe('readIsoInfo: the Primary Volume Descriptor', () => {
  it('reads and trims the system, volume, publisher and application ids', async () => {
    const info = await read(
      buildIso({ volumeId: 'Debian 12.5.0 amd64 n', systemId: 'LINUX', publisherId: 'Debian Project', applicationId: 'XORRISO-1.5.4' }),
    );
    expect(info).toMatchObject({
      volumeId: 'Debian 12.5.0 amd64 n',
      systemId: 'LINUX',
      publisherId: 'Debian Project',
      applicationId: 'XORRISO-1.5.4',
      volumeBytes: 18 * SECTOR,
      warnings: [],
    });
  });

  it('takes a full 32-character volume id', async () => {
    const id = 'A'.repeat(32);
    expect((await read(buildIso({ volumeId: id }))).volumeId).toBe(id);
  });

  it('without El Torito the image boots neither way', async () => {
    const info = await read(buildIso({ volumeId: 'DATA' }));
    expect(info.bootable).toEqual({ bios: false, uefi: false });
    expect(info.bootEntries).toEqual([]);
  });
});

describe('readIsoInfo: the El Torito boot catalog', () => {
  it('a BIOS-only catalog (default entry, platform 0)', async () => {
    const info = await read(buildIso({ boot: { platformId: PLATFORM_X86 } }));
    expect(info.bootable).toEqual({ bios: true, uefi: false });
    expect(info.bootEntries).toEqual([{ platformId: 0, bootable: true, mediaType: 0, loadRba: 30, sectorCount: 4 }]);
  });

  it('BIOS default entry plus an EFI section (what xorriso -eltorito-alt-boot -e writes)', async () => {
    const info = await read(buildIso({ boot: { platformId: PLATFORM_X86, sections: [{ platformId: PLATFORM_EFI, entries: [{ bootable: true }] }] } }));
    expect(info.bootable).toEqual({ bios: true, uefi: true });
    expect(info.bootEntries.map((e) => e.platformId)).toEqual([0, 0xef]);
  });

  it('EFI-only: the default entry is EFI', async () => {
    const info = await read(buildIso({ boot: { platformId: PLATFORM_EFI } }));
    expect(info.bootable).toEqual({ bios: false, uefi: true });
  });

  it('several section headers, extension entries and a non-bootable entry', async () => {
    const info = await read(
      buildIso({
        boot: {
          platformId: PLATFORM_X86,
          defaultBootable: false,
          sections: [
            { platformId: 0x02, entries: [{ bootable: true, extensions: 2 }] },
            { platformId: PLATFORM_X86, entries: [{ bootable: false }] },
            { platformId: PLATFORM_EFI, entries: [{ bootable: false }, { bootable: true, extensions: 1 }] },
          ],
        },
      }),
    );
    expect(info.bootEntries.map((e) => [e.platformId, e.bootable])).toEqual([
      [0, false],
      [2, true],
      [0, false],
      [0xef, false],
      [0xef, true],
    ]);
    expect(info.bootable).toEqual({ bios: false, uefi: true });
  });

  it('a bad validation checksum is a warning, not an error; nothing is bootable', async () => {
    const info = await read(buildIso({ volumeId: 'X', boot: { platformId: PLATFORM_X86, badChecksum: true } }));
    expect(info.volumeId).toBe('X');
    expect(info.bootable).toEqual({ bios: false, uefi: false });
    expect(info.warnings).toEqual([expect.stringMatching(/bad validation checksum/)]);
  });

  it('a boot catalog pointer past the end of the image is a warning', async () => {
    const info = await read(buildIso({ boot: { platformId: PLATFORM_X86, catalogLba: 5000 } }));
    expect(info.warnings).toEqual([expect.stringMatching(/boot catalog.*past the end/)]);
    expect(info.bootable).toEqual({ bios: false, uefi: false });
  });

  it('a boot catalog pointer into the system area is a warning', async () => {
    const info = await read(buildIso({ boot: { platformId: PLATFORM_X86, catalogLba: 3 } }));
    expect(info.warnings).toEqual([expect.stringMatching(/system area/)]);
  });

  it('reads a few sectors only, however large the image', async () => {
    const big = buildIso({ boot: { platformId: PLATFORM_X86, sections: [{ platformId: PLATFORM_EFI, entries: [{ bootable: true }] }] }, sectors: 50_000 });
    let bytes = 0;
    const src: ByteSource = {
      size: big.length,
      async read(offset, length) {
        bytes += length;
        return big.subarray(offset, offset + length);
      },
    };
    expect((await readIsoInfo(src)).bootable).toEqual({ bios: true, uefi: true });
    expect(bytes).toBeLessThanOrEqual(8 * SECTOR);
  });
});

describe('readIsoInfo: not an ISO', () => {
  it('garbage: no CD001 at sector 16', async () => {
    const junk = new Uint8Array(64 * SECTOR).map((_, i) => (i * 7919) & 0xff);
    const e = await isoError(read(junk));
    expect(e.kind).toBe('not-iso');
    expect(e.message).toBe('not an ISO 9660 image: no CD001 signature at sector 16');
  });

  it('an empty or tiny file', async () => {
    expect((await isoError(read(new Uint8Array(0)))).message).toMatch(/^not an ISO 9660 image: the file is too small \(0 bytes\)/);
    expect((await isoError(read(new Uint8Array(512)))).kind).toBe('not-iso');
  });

  it('a UDF-only image says so', async () => {
    const buf = new Uint8Array(20 * SECTOR);
    buf.set([0, 0x42, 0x45, 0x41, 0x30, 0x31, 1], 16 * SECTOR); // "\0BEA01\1"
    expect((await isoError(read(buf))).message).toMatch(/no CD001 signature at sector 16 \(this looks like a UDF-only image\)/);
  });

  it('descriptors without a primary one', async () => {
    const buf = buildIso();
    buf[16 * SECTOR] = 2; // turn the PVD into a supplementary descriptor
    expect((await isoError(read(buf))).message).toMatch(/no primary volume descriptor/);
  });
});

describe('readIsoInfo: truncated images', () => {
  it('cut inside the first volume descriptor', async () => {
    const e = await isoError(read(buildIso().subarray(0, 16 * SECTOR + 100)));
    expect(e.kind).toBe('truncated');
    expect(e.message).toMatch(/^truncated ISO image/);
  });

  it('cut inside the descriptor set', async () => {
    const e = await isoError(read(buildIso({ boot: { platformId: 0 } }).subarray(0, 17 * SECTOR + 10)));
    expect(e.kind).toBe('truncated');
  });

  it('shorter than the volume the PVD describes (an incomplete download)', async () => {
    const e = await isoError(read(buildIso({ volumeBlocks: 1000 })));
    expect(e.kind).toBe('truncated');
    expect(e.message).toBe(`truncated ISO image: the volume is ${1000 * SECTOR} bytes but the file has only ${18 * SECTOR} (an incomplete download?)`);
  });
});

describe('readIsoFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-iso-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file', async () => {
    const path = join(dir, 'a.iso');
    writeFileSync(path, buildIso({ volumeId: 'ARCH_202411', boot: { platformId: PLATFORM_EFI } }));
    expect(await readIsoFile(path)).toMatchObject({ path, volumeId: 'ARCH_202411', bootable: { bios: false, uefi: true } });
  });

  it('a folder, a missing file, a path through a file', async () => {
    const sub = join(dir, 'folder.iso');
    mkdirSync(sub);
    expect(await isoError(readIsoFile(sub))).toMatchObject({ kind: 'not-a-file', message: `${sub} is a folder, not an ISO image` });
    expect(await isoError(readIsoFile(join(dir, 'missing.iso')))).toMatchObject({ kind: 'not-found', message: `ISO image not found: ${join(dir, 'missing.iso')}` });
    writeFileSync(join(dir, 'plain'), 'x');
    expect((await isoError(readIsoFile(join(dir, 'plain', 'x.iso')))).kind).toBe('not-found');
  });

  it('a device that is not a block device (/dev/null) is refused without reading', async () => {
    expect((await isoError(readIsoFile('/dev/null'))).kind).toBe('not-a-file');
  });

  it('a text file is not an ISO', async () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'hello\n'.repeat(10_000));
    expect((await isoError(readIsoFile(path))).message).toBe('not an ISO 9660 image: no CD001 signature at sector 16');
  });
});
