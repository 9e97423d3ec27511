import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../../../../src-shared/contract/index.js';
import { PLATFORM_EFI, PLATFORM_X86, inspectIso, parseOsinfoXml, type OsinfoOs } from '../../../../src-main/engine/iso/index.js';
import { buildIso, type IsoSpec } from './iso-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'hangar-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function isoFile(spec: IsoSpec): string {
  const path = join(dir, `img-${n++}.iso`);
  writeFileSync(path, buildIso(spec));
  return path;
}
const both = { platformId: PLATFORM_X86, sections: [{ platformId: PLATFORM_EFI, entries: [{ bootable: true }] }] };

const osinfoDb: OsinfoOs[] = parseOsinfoXml(`<libosinfo>
  <os id="http://centos.org/centos-stream/9"><short-id>centos-stream9</short-id><name>CentOS Stream 9</name><family>linux</family>
    <media arch="x86_64"><iso><volume-id>CentOS-Stream-9-BaseOS-x86_64</volume-id></iso></media></os>
  <os id="http://microsoft.com/win/10"><short-id>win10</short-id><name>Microsoft Windows 10</name><family>winnt</family>
    <media arch="x86_64"><iso><volume-id>^(J_)?(CCSN?A|C?CCOMA)_X64FREE?_</volume-id></iso></media></os>
  <os id="http://microsoft.com/win/11"><short-id>win11</short-id><name>Microsoft Windows 11</name><family>winnt</family>
    <media arch="x86_64"><iso><volume-id>^(J_)?(CCSN?A|C?CCOMA)_X64FREE?_</volume-id></iso></media></os>
</libosinfo>`);
const withOsinfo = { osinfo: async () => osinfoDb };
const noOsinfo = { osinfo: async () => [] };

async function engineError(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('expected an EngineError');
}

describe('inspectIso', () => {
  it('a catalog OS: detection, recommendation, boot modes', async () => {
    const path = isoFile({ volumeId: 'Debian 12.5.0 amd64 n', systemId: 'LINUX', boot: both });
    expect(await inspectIso(path, noOsinfo)).toEqual({
      path,
      volumeId: 'Debian 12.5.0 amd64 n',
      systemId: 'LINUX',
      publisherId: '',
      applicationId: '',
      bootable: { bios: true, uefi: true },
      detected: { osId: 'debian12', name: 'Debian 12', family: 'linux', confidence: 0.95, source: 'catalog' },
      recommended: {
        memoryMiB: 2048, diskGiB: 20, cpus: 2, firmware: 'bios', secureBoot: false, tpm: false,
        diskBus: 'virtio', nicModel: 'virtio-net-pci', display: 'virtio', pointer: 'usb-tablet', guestAgent: true, shareMethod: '9p',
      },
      arch: 'x86_64',
      warnings: [],
    });
  });

  it('ARM and RISC-V installers: the catalog preset and its arch from the label, or the arch the label or boot catalog names', async () => {
    const efiOnly = { platformId: PLATFORM_EFI };
    const cases: Array<[string, string | null, string | null]> = [
      // volume label, catalog id, arch
      ['Debian 12.5.0 arm64 n', 'debian12-arm64', 'aarch64'],
      ['Debian 13.1.0 riscv64 1', 'debian13-riscv64', 'riscv64'],
      ['Ubuntu-Server 24.04.1 LTS arm64', 'ubuntu24.04-server-arm64', 'aarch64'],
      ['Ubuntu 24.04.2 LTS arm64', 'ubuntu24.04-arm64', 'aarch64'],
      ['Fedora-S-dvd-aarch64-41', 'fedora-aarch64', 'aarch64'],
      ['alpine-virt 3.20.3 aarch64', 'alpinelinux-aarch64', 'aarch64'],
      // Not in the catalog: the label's arch token (the test fixture's label), or nothing at all.
      ['HANGAR_AARCH64', null, 'aarch64'],
      ['MYDISC', null, null],
      // The PC images keep theirs.
      ['Debian 12.5.0 amd64 n', 'debian12', 'x86_64'],
      ['alpine-virt 3.20.3 x86_64', 'alpinelinux', 'x86_64'],
    ];
    for (const [volumeId, osId, arch] of cases) {
      const r = await inspectIso(isoFile({ volumeId, boot: efiOnly }), noOsinfo);
      expect({ volumeId, osId: r.detected?.osId ?? null, arch: r.arch ?? null }).toEqual({ volumeId, osId, arch });
      if (arch !== null && arch !== 'x86_64') expect(r.recommended.firmware).toBe('uefi');
    }
    // No label to go by: a BIOS boot entry is a PC's; a UEFI entry alone could be any arch's.
    expect((await inspectIso(isoFile({ volumeId: 'MYDISC', boot: both }), noOsinfo)).arch).toBe('x86_64');
  });

  it('the recommendation follows the image: a UEFI-only Arch ISO gets UEFI', async () => {
    const r = await inspectIso(isoFile({ volumeId: 'ARCH_202411', boot: { platformId: PLATFORM_EFI } }), noOsinfo);
    expect(r.detected?.osId).toBe('archlinux');
    expect(r.bootable).toEqual({ bios: false, uefi: true });
    expect(r.recommended.firmware).toBe('uefi');
  });

  it('falls back to osinfo-db when the catalog has no match', async () => {
    const path = isoFile({ volumeId: 'CentOS-Stream-9-BaseOS-x86_64', boot: both });
    const r = await inspectIso(path, withOsinfo);
    expect(r.detected).toEqual({ osId: 'centos-stream9', name: 'CentOS Stream 9', family: 'linux', confidence: 0.8, source: 'osinfo' });
    expect(r.recommended).toMatchObject({ diskBus: 'virtio', nicModel: 'virtio-net-pci' });
    expect((await inspectIso(path, noOsinfo)).detected).toBeNull();
  });

  it('keeps the catalog answer for Windows 10/11 (osinfo is no surer: it matches both)', async () => {
    const r = await inspectIso(isoFile({ volumeId: 'CCCOMA_X64FRE_EN-US_DV9', publisherId: 'MICROSOFT CORPORATION', boot: both }), withOsinfo);
    expect(r.detected).toMatchObject({ osId: 'win11', name: 'Windows 10 or 11', confidence: 0.6, source: 'catalog', alternatives: ['win10'] });
    expect(r.recommended).toMatchObject({ firmware: 'uefi', secureBoot: true, tpm: true, diskBus: 'sata', nicModel: 'e1000e' });
  });

  it('an unknown image gets the "Other" defaults and null detection', async () => {
    const r = await inspectIso(isoFile({ volumeId: 'MY_TOOLS', boot: { platformId: PLATFORM_X86 } }), withOsinfo);
    expect(r.detected).toBeNull();
    expect(r.recommended).toMatchObject({ diskBus: 'sata', nicModel: 'e1000e', firmware: 'bios' });
  });

  it('warns about images that will not boot', async () => {
    expect((await inspectIso(isoFile({ volumeId: 'DATA' }), noOsinfo)).warnings).toEqual([
      'this image has no El Torito boot record: it can be attached as a CD, but it will not boot',
    ]);
    const r = await inspectIso(isoFile({ volumeId: 'DATA', boot: { platformId: 0x01 } }), noOsinfo); // PowerPC only
    expect(r.warnings).toEqual(['this image has no bootable x86 BIOS or UEFI entry']);
  });

  it('errors become typed engine errors', async () => {
    expect(await engineError(inspectIso(join(dir, 'missing.iso'), noOsinfo))).toMatchObject({ code: 'not-found' });
    expect(await engineError(inspectIso(dir, noOsinfo))).toMatchObject({ code: 'invalid-args', message: `${dir} is a folder, not an ISO image` });
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, new Uint8Array(100_000).fill(0x41));
    expect(await engineError(inspectIso(junk, noOsinfo))).toMatchObject({
      code: 'invalid-args',
      message: 'not an ISO 9660 image: no CD001 signature at sector 16',
      details: { reason: 'not-iso' },
    });
    const cut = join(dir, 'cut.iso');
    writeFileSync(cut, buildIso({ volumeId: 'X', volumeBlocks: 500 }));
    expect(await engineError(inspectIso(cut, noOsinfo))).toMatchObject({ code: 'invalid-args', details: { reason: 'truncated' } });
  });

  it('a failing osinfo loader is treated as no osinfo-db', async () => {
    const r = await inspectIso(isoFile({ volumeId: 'MY_TOOLS' }), { osinfo: async () => Promise.reject(new Error('boom')) });
    expect(r.detected).toBeNull();
  });
});
