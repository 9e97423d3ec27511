import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultOsinfoDirs, loadOsinfoDb, matchOsinfo, osinfoFamily, parseOsinfoXml } from '../../../../src-main/engine/iso/osinfo.js';

const osXml = (body: string) => `<?xml version="1.0"?>\n<libosinfo version="0.0.1">\n${body}\n</libosinfo>\n`;

const DEBIAN11 = `
  <os id="http://debian.org/debian/11">
    <short-id>debian11</short-id>
    <short-id>debianbullseye</short-id>
    <name>Debian 11</name>
    <name xml:lang="ko">&#xB370;&#xBE44;&#xC548; 11</name>
    <family>linux</family>
    <resources arch="all">
      <minimum><n-cpus>1</n-cpus><ram>1073741824</ram><storage>10737418240</storage></minimum>
      <recommended><ram>1073741824</ram><storage>21474836480</storage></recommended>
    </resources>
    <variant id="universal"><name>Debian 11 (variant)</name></variant>
    <media arch="x86_64">
      <variant id="universal-netinst"/>
      <iso>
        <volume-id>Debian 11.\\d+.\\d+ amd64 n</volume-id>
      </iso>
    </media>
    <media arch="aarch64">
      <iso><volume-id>Debian 11.\\d+.\\d+ arm64 n</volume-id></iso>
    </media>
  </os>`;

const SOMEOS = `
  <os id="http://example.org/someos/3">
    <short-id>someos3</short-id>
    <name>Some &amp; OS 3</name>
    <family>freebsd</family>
    <resources arch="x86_64">
      <minimum><n-cpus>1</n-cpus><ram>536870912</ram></minimum>
      <recommended><n-cpus>4</n-cpus><ram>3000000000</ram><storage>30000000000</storage></recommended>
    </resources>
    <firmware arch="x86_64" type="bios" supported="false"/>
    <media arch="x86_64">
      <iso>
        <system-id>SomeOS</system-id>
        <volume-id>^SOMEOS_3</volume-id>
        <publisher-id>ACME &lt;HTTPS?://ACME.EXAMPLE&gt;</publisher-id>
      </iso>
    </media>
    <media arch="x86_64">
      <iso><volume-id>broken(regex</volume-id></iso>
    </media>
    <media arch="x86_64"><url>https://example.org/no-iso-block</url></media>
  </os>`;

const WIN = (n: string) => `
  <os id="http://microsoft.com/win/${n}">
    <short-id>win${n}</short-id>
    <name>Microsoft Windows ${n}</name>
    <family>winnt</family>
    <media arch="x86_64">
      <iso>
        <volume-id>^(J_)?(CCSN?A|C?CCOMA)_X64FREE?_</volume-id>
        <publisher-id>MICROSOFT CORPORATION</publisher-id>
      </iso>
    </media>
  </os>`;

describe('parseOsinfoXml', () => {
  it('extracts short-id, the untranslated name, family, resources and media regexes', () => {
    const [os] = parseOsinfoXml(osXml(DEBIAN11));
    expect(os).toMatchObject({
      id: 'http://debian.org/debian/11',
      shortId: 'debian11',
      name: 'Debian 11',
      osinfoFamily: 'linux',
      family: 'linux',
      resources: { memoryMiB: 1024, diskGiB: 20 }, // a minimum CPU count is not taken as a default
      uefiOnly: false,
    });
    expect(os!.media.map((m) => [m.arch, m.volumeId?.source])).toEqual([
      ['x86_64', 'Debian 11.\\d+.\\d+ amd64 n'],
      ['aarch64', 'Debian 11.\\d+.\\d+ arm64 n'],
    ]);
  });

  it('decodes entities, prefers x86_64 resources, reads firmware, skips media it cannot use', () => {
    const [os] = parseOsinfoXml(osXml(SOMEOS));
    expect(os).toMatchObject({ name: 'Some & OS 3', family: 'bsd', uefiOnly: true, resources: { memoryMiB: 2864, diskGiB: 28, cpus: 4 } });
    expect(os!.media).toHaveLength(1); // the broken regex and the URL-only media are skipped
    expect(os!.media[0]!.publisherId?.test('ACME <HTTPS://ACME.EXAMPLE>')).toBe(true);
  });

  it('ignores files without <os> and OSes without a short-id', () => {
    expect(parseOsinfoXml('<libosinfo><device id="x"/></libosinfo>')).toEqual([]);
    expect(parseOsinfoXml(osXml('<os id="x"><name>No id</name></os>'))).toEqual([]);
  });

  it('maps families', () => {
    expect(['linux', 'winnt', 'win9x', 'msdos', 'freebsd', 'openbsd', 'netbsd', 'dragonfly', 'solaris', 'darwin'].map(osinfoFamily)).toEqual([
      'linux', 'windows', 'windows', 'windows', 'bsd', 'bsd', 'bsd', 'bsd', 'other', 'other',
    ]);
  });
});

describe('loadOsinfoDb', () => {
  const root = mkdtempSync(join(tmpdir(), 'hangar-osinfo-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('walks <dir>/**/*.xml; a later folder overrides an OS by id; missing folders are empty', async () => {
    mkdirSync(join(root, 'a', 'debian.org'), { recursive: true });
    mkdirSync(join(root, 'a', 'microsoft.com', 'win-10.d'), { recursive: true });
    mkdirSync(join(root, 'b'), { recursive: true });
    writeFileSync(join(root, 'a', 'debian.org', 'debian-11.xml'), osXml(DEBIAN11));
    writeFileSync(join(root, 'a', 'microsoft.com', 'win-10.xml'), osXml(WIN('10')));
    writeFileSync(join(root, 'a', 'microsoft.com', 'win-10.d', 'drivers.xml'), osXml(''));
    writeFileSync(join(root, 'a', 'readme.txt'), 'not xml');
    writeFileSync(join(root, 'b', 'debian-11-local.xml'), osXml(DEBIAN11.replace('<name>Debian 11</name>', '<name>Debian 11 (local)</name>')));
    const db = await loadOsinfoDb([join(root, 'a'), join(root, 'b'), join(root, 'missing')]);
    expect(db.map((o) => [o.shortId, o.name]).sort()).toEqual([
      ['debian11', 'Debian 11 (local)'],
      ['win10', 'Microsoft Windows 10'],
    ]);
    expect(await loadOsinfoDb([join(root, 'nothing-here')])).toEqual([]);
  });

  it('looks where libosinfo does', () => {
    expect(defaultOsinfoDirs({})).toEqual(['/usr/share/osinfo/os', '/etc/osinfo/os']);
    expect(defaultOsinfoDirs({ OSINFO_SYSTEM_DIR: '/opt/osinfo' })[0]).toBe('/opt/osinfo/os');
  });
});

describe('matchOsinfo', () => {
  const db = parseOsinfoXml(osXml(DEBIAN11 + SOMEOS + WIN('10') + WIN('11')));

  it('matches an OS Hangar knows and uses the catalog recommendation', () => {
    const m = matchOsinfo(db, { volumeId: 'Debian 11.5.0 amd64 n' });
    expect(m?.detection).toEqual({ osId: 'debian11', name: 'Debian 11', family: 'linux', confidence: 0.8, source: 'osinfo' });
    expect(m?.recommended).toMatchObject({ diskBus: 'virtio', memoryMiB: 2048 });
  });

  it('an ARM or RISC-V media entry gives the detection its arch (the PC ones none, as in the catalog)', () => {
    const ports = parseOsinfoXml(osXml(`
      <os id="http://opensuse.org/opensuse/15.6"><short-id>opensuse15.6</short-id><name>openSUSE Leap 15.6</name><family>linux</family>
        <media arch="x86_64"><iso><volume-id>openSUSE-Leap-15.6-DVD-x86_64</volume-id></iso></media>
        <media arch="aarch64"><iso><volume-id>openSUSE-Leap-15.6-DVD-aarch64</volume-id></iso></media>
        <media arch="riscv64"><iso><volume-id>openSUSE-Leap-15.6-DVD-riscv64</volume-id></iso></media></os>`));
    expect(matchOsinfo(ports, { volumeId: 'openSUSE-Leap-15.6-DVD-aarch64-Build709.3-Media' })?.detection).toMatchObject({ osId: 'opensuse15.6', arch: 'aarch64' });
    expect(matchOsinfo(ports, { volumeId: 'openSUSE-Leap-15.6-DVD-riscv64-Media' })?.detection.arch).toBe('riscv64');
    expect(matchOsinfo(ports, { volumeId: 'openSUSE-Leap-15.6-DVD-x86_64-Media' })?.detection).not.toHaveProperty('arch');
  });

  it('every identifier the media names must match', () => {
    const iso = { volumeId: 'SOMEOS_3_AMD64', systemId: 'SomeOS', publisherId: 'ACME <HTTP://ACME.EXAMPLE>' };
    const m = matchOsinfo(db, iso);
    expect(m?.detection.osId).toBe('someos3');
    // An OS Hangar doesn't know: family defaults with osinfo's resources and firmware.
    expect(m?.recommended).toMatchObject({ memoryMiB: 2864, diskGiB: 28, cpus: 4, firmware: 'uefi', diskBus: 'virtio' });
    expect(matchOsinfo(db, { ...iso, systemId: 'LINUX' })).toBeNull();
    expect(matchOsinfo(db, { volumeId: 'SOMEOS_3_AMD64' })).toBeNull();
  });

  it('OSes sharing a regex make an ambiguous match with alternatives', () => {
    const m = matchOsinfo(db, { volumeId: 'CCCOMA_X64FRE_EN-US_DV9', publisherId: 'MICROSOFT CORPORATION' });
    expect(m?.detection).toMatchObject({ osId: 'win10', confidence: 0.5, alternatives: ['win11'], family: 'windows' });
  });

  it('the most specific media wins; <volume-size> must equal the volume', () => {
    const centos = parseOsinfoXml(osXml(`
      <os id="http://centos.org/centos/6.10"><short-id>centos6.10</short-id><name>CentOS 6.10</name><family>linux</family>
        <media arch="x86_64"><iso><system-id>LINUX</system-id><volume-id>CentOS</volume-id><volume-size>3869454336</volume-size></iso></media>
        <media arch="x86_64"><iso><system-id>LINUX</system-id><volume-id>CentOS</volume-id></iso></media></os>
      <os id="http://centos.org/centos-stream/9"><short-id>centos-stream9</short-id><name>CentOS Stream 9</name><family>linux</family>
        <media arch="x86_64"><iso><volume-id>CentOS-Stream-9-BaseOS-x86_64</volume-id></iso></media></os>`));
    expect(centos[0]!.media[0]!.volumeSize).toBe(3869454336);
    const stream = { volumeId: 'CentOS-Stream-9-BaseOS-x86_64', systemId: 'LINUX', volumeBytes: 1000 };
    expect(matchOsinfo(centos, stream)?.detection).toMatchObject({ osId: 'centos-stream9', confidence: 0.8 });
    const sixSized = parseOsinfoXml(osXml(`<os id="x"><short-id>c6</short-id><name>C6</name><family>linux</family>
        <media arch="x86_64"><iso><volume-id>CentOS</volume-id><volume-size>3869454336</volume-size></iso></media></os>`));
    expect(matchOsinfo(sixSized, { volumeId: 'CentOS_6.10_Final', volumeBytes: 3869454336 })?.detection.osId).toBe('c6');
    expect(matchOsinfo(sixSized, { volumeId: 'CentOS_6.10_Final', volumeBytes: 2048 })).toBeNull();
    expect(matchOsinfo(sixSized, { volumeId: 'CentOS_6.10_Final' })).toBeNull();
  });

  it('no match, or an empty database', () => {
    expect(matchOsinfo(db, { volumeId: 'HANGAR_LINUX' })).toBeNull();
    expect(matchOsinfo([], { volumeId: 'Debian 11.5.0 amd64 n' })).toBeNull();
  });
});
