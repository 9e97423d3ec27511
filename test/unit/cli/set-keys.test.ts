// `hangar set`'s parser: KEY=VALUE words → the document the settings dialog would make → its patch.
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-shared/contract/index.js';
import { diffVmDocuments, vmPatchSchema, type VmDocument } from '../../../src-shared/vm-document/index.js';
import { formatValue, parseAssignments, pickKeys, planSettings, settingKeys, settingKeysHelp } from '../../../src-main/cli/set-keys.js';
import { main } from '../../../src-main/cli/main.js';
import { sampleDocument } from '../shared/sample-document.js';

const CWD = '/home/u/work';

function refused(doc: VmDocument, words: string[]): string {
  try {
    planSettings(doc, words, CWD);
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('invalid-args');
    return (err as EngineError).message;
  }
  throw new Error(`${words.join(' ')} was accepted`);
}

describe('planSettings', () => {
  it('turns flat keys into the sections the settings dialog sends', () => {
    const doc = sampleDocument();
    const plan = planSettings(doc, ['memory=3072', 'cpus=4', 'clipboard=both'], CWD);
    expect(plan.patch).toEqual({ memoryMiB: 3072, cpu: { ...doc.cpu, count: 4 }, clipboard: 'both' });
    // The dialog's patch is diffVmDocuments(saved, draft): the same function, so the same shape.
    expect(plan.patch).toEqual(diffVmDocuments(doc, { ...doc, memoryMiB: 3072, cpu: { ...doc.cpu, count: 4 }, clipboard: 'both' }));
    expect(vmPatchSchema.safeParse(plan.patch).success).toBe(true);
    expect(plan.keys.map((k) => k.key)).toEqual(['memory', 'cpus', 'clipboard']);
  });

  it('takes the document field names too (memoryMiB, cpu.count, firmware.secureBoot)', () => {
    const doc = sampleDocument({ firmware: { type: 'uefi', secureBoot: false, tpm: false } });
    expect(planSettings(doc, ['memoryMiB=512', 'cpu.count=3', 'firmware.secureBoot=on'], CWD).patch).toEqual({ memoryMiB: 512, cpu: { ...doc.cpu, count: 3 }, firmware: { type: 'uefi', secureBoot: true, tpm: false } });
  });

  it('reads memory with units as QEMU does (binary)', () => {
    const doc = sampleDocument();
    for (const [text, mib] of [['2048', 2048], ['2048M', 2048], ['2048MiB', 2048], ['4G', 4096], ['4gib', 4096], ['1.5G', 1536], ['1T', 1024 * 1024]] as const) {
      expect(planSettings(doc, [`memory=${text}`], CWD).next.memoryMiB).toBe(mib);
    }
    expect(refused(doc, ['memory=lots'])).toBe('memory: must be a size in MiB, or with a unit: 2048, 2048M, 4G (got "lots")');
    expect(refused(doc, ['memory=4X'])).toMatch(/^memory: must be a size in MiB/);
  });

  it('names the key typed when the schema refuses the value', () => {
    const doc = sampleDocument();
    expect(refused(doc, ['memory=8'])).toBe('memory: must be a whole number of MiB >=16');
    expect(refused(doc, ['memory=0.3G'])).toBe('memory: must be a whole number of MiB >=16');
    expect(refused(doc, ['cpus=0'])).toBe('cpus: must be at least 1');
    expect(refused(doc, ['name=a\nb'])).toMatch(/^name: must not contain control characters/);
    expect(refused(doc, ['boot=disk0,nope'])).toBe('boot: names no disk or CD-ROM ("nope")');
    expect(refused(sampleDocument({ firmware: { type: 'bios', secureBoot: false, tpm: false } }), ['secure-boot=on'])).toBe('secure-boot: needs UEFI firmware');
  });

  it('parses switches, choices and lists by the schema type', () => {
    const doc = sampleDocument();
    for (const on of ['on', 'true', 'yes', '1', 'ON']) expect(planSettings(doc, [`tpm=${on}`], CWD).next.firmware.tpm).toBe(true);
    for (const off of ['off', 'false', 'no', '0']) expect(planSettings({ ...doc, firmware: { ...doc.firmware, tpm: true } }, [`tpm=${off}`], CWD).next.firmware.tpm).toBe(false);
    expect(refused(doc, ['tpm=maybe'])).toBe('tpm: must be on or off (got "maybe")');
    expect(planSettings(doc, ['clipboard=Both'], CWD).next.clipboard).toBe('both');
    expect(refused(doc, ['clipboard=all'])).toBe('clipboard: must be one of off, host-to-guest, guest-to-host, both (got "all")');
    expect(refused(doc, ['cpus=four'])).toBe('cpus: must be a whole number (got "four")');
    expect(refused(doc, ['cpus=1.5'])).toBe('cpus: must be a whole number (got "1.5")');
    expect(planSettings(doc, ['boot=cd0, disk0'], CWD).next.bootOrder).toEqual(['cd0', 'disk0']);
    expect(planSettings(doc, ['boot='], CWD).next.bootOrder).toEqual([]);
    expect(planSettings(doc, ['extra-args=["-device","virtio-rng-pci"]'], CWD).next.extraArgs).toEqual(['-device', 'virtio-rng-pci']);
    expect(planSettings({ ...doc, extraArgs: ['-no-hpet'] }, ['extra-args='], CWD).next.extraArgs).toEqual([]);
    expect(refused(doc, ['extra-args=-device virtio-rng-pci'])).toMatch(/^extra-args: must be a JSON array of strings/);
    expect(refused(doc, ['extra-args=["-sandbox","off"]'])).toMatch(/^extra-args: must not be -sandbox/);
  });

  it('resolves a CD path against the current folder; empty ejects', () => {
    const doc = sampleDocument();
    expect(planSettings(doc, ['cd0.path=isos/debian.iso'], CWD).patch).toEqual({ cdroms: [{ ...doc.cdroms[0]!, path: '/home/u/work/isos/debian.iso' }] });
    expect(planSettings(doc, ['cd0.path=../x.iso'], CWD).next.cdroms[0]!.path).toBe('/home/u/x.iso');
    expect(planSettings(doc, ['cd0.path=/abs/y.iso'], CWD).next.cdroms[0]!.path).toBe('/abs/y.iso');
    expect(planSettings(doc, ['cd0.path='], CWD).next.cdroms[0]!.path).toBeNull();
  });

  it('sets disk options by device id', () => {
    const doc = sampleDocument();
    const plan = planSettings(doc, ['disk0.bus=sata', 'disk0.discard=on', 'disk0.read-only=on'], CWD);
    expect(plan.patch).toEqual({ disks: [{ ...doc.disks[0]!, bus: 'sata', discard: true, readOnly: true }] });
    expect(planSettings(doc, ['disks[0].bus=ide'], CWD).next.disks[0]!.bus).toBe('ide');
  });

  it('changes the network mode as the dialog does: the adapter keeps its model and MAC; bridge needs network=bridge', () => {
    const doc = sampleDocument();
    const bridged = planSettings(doc, ['bridge=virbr0', 'network=bridge'], CWD).next.network;
    expect(bridged).toEqual({ mode: 'bridge', model: 'virtio-net-pci', mac: '52:54:00:12:34:56', bridge: 'virbr0' });
    expect(planSettings(doc, ['network=none'], CWD).patch).toEqual({ network: { mode: 'none' } });
    const none = sampleDocument({ network: { mode: 'none' } });
    const nat = planSettings(none, ['network=user', 'nic=e1000'], CWD).next.network;
    expect(nat).toMatchObject({ mode: 'user', model: 'e1000', forwards: [] });
    expect(nat.mode !== 'none' && nat.mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(refused(doc, ['bridge=br1'])).toBe('bridge: applies to a bridged network; give network=bridge too');
    expect(refused(none, ['nic=e1000'])).toBe('nic: the machine has no network adapter; give network=user or network=bridge too');
    expect(refused(doc, ['mac=52:54:00:AA:BB:CC'])).toMatch(/^mac: must be a lowercase MAC address/);
  });

  it('lists the valid keys for an unknown one, prototype names included', () => {
    const doc = sampleDocument();
    for (const name of ['colour', '__proto__', 'constructor', 'toString', 'schemaVersion', 'id', 'updatedAt', 'disk9.bus', 'cpu']) {
      const message = refused(doc, [`${name}=1`]);
      expect(message.startsWith(`unknown setting "${name}"; valid keys: name, description, os, arch,`)).toBe(true);
      expect(message).toContain('memory, display');
      expect(message).toContain('disk0.bus, disk0.read-only, disk0.discard, cd0.path, cd0.bus');
    }
  });

  it('refuses malformed words, repeats and the same field twice', () => {
    const doc = sampleDocument();
    expect(refused(doc, [])).toMatch(/^give one or more KEY=VALUE settings/);
    expect(refused(doc, ['memory'])).toBe('expected KEY=VALUE, got "memory" (hangar get VM lists the keys)');
    expect(refused(doc, ['=2048'])).toMatch(/^expected KEY=VALUE, got "=2048"/);
    expect(refused(doc, ['memory=1G', 'memory=2G'])).toBe('memory is given twice');
    expect(refused(doc, ['memory=1G', 'memoryMiB=2048'])).toBe('memory and memoryMiB are the same setting');
  });

  it('keeps everything after the first "=" as the value', () => {
    expect(parseAssignments(['description=a=b=c'])).toEqual([{ name: 'description', text: 'a=b=c' }]);
    expect(planSettings(sampleDocument(), ['description=x=1'], CWD).next.description).toBe('x=1');
  });

  it('sends nothing when nothing changes', () => {
    const doc = sampleDocument();
    expect(planSettings(doc, [`memory=${doc.memoryMiB}`], CWD).patch).toEqual({});
  });
});

describe('what hangar get prints', () => {
  it('one value per key, on/off, lists and JSON where a line could not hold the text', () => {
    const doc = sampleDocument({ description: 'two\nlines', extraArgs: ['-device', 'virtio-rng-pci'] });
    const shown = Object.fromEntries(pickKeys(doc, []).map((k) => [k.key, formatValue(k, k.get(doc))]));
    expect(shown).toMatchObject({ name: 'Sample', memory: String(doc.memoryMiB), tpm: 'off', boot: doc.bootOrder.join(','), description: '"two\\nlines"', 'extra-args': '["-device","virtio-rng-pci"]', 'cd0.path': '/isos/debian.iso', bridge: '' });
    expect(pickKeys(doc, ['cpu.count', 'memory']).map((k) => k.key)).toEqual(['cpus', 'memory']);
  });

  it('every key reads back what it sets', () => {
    const doc = sampleDocument();
    // (bridge reads empty on a NAT network and cannot be set there: tested above.)
    for (const key of settingKeys(doc).filter((k) => k.get(doc) !== null)) expect(key.get(key.set(doc, key.get(doc) as never))).toEqual(key.get(doc));
  });

  it('the help lists every fixed key with its values', () => {
    const help = settingKeysHelp();
    for (const k of ['memory', 'cpus', 'clipboard', 'secure-boot', 'DISK.bus', 'CD.path']) expect(help).toMatch(new RegExp(`^  ${k.replace('.', '\\.')} `, 'm'));
    expect(help).toContain('off|host-to-guest|guest-to-host|both');
  });
});

describe('hangar set / get usage errors (before any engine)', () => {
  const io = () => {
    const o = { out: '', err: '' };
    return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } };
  };
  it('exits 2 naming what is missing, and prints the keys with --help', async () => {
    const a = io();
    expect(await main(['--library', '/nonexistent/lib', 'set', 'web'], a.io)).toBe(2);
    expect(a.o.err).toBe('hangar: missing KEY=VALUE...\nUsage: hangar set VM KEY=VALUE...\n');
    const b = io();
    expect(await main(['set', '--help'], b.io)).toBe(0);
    expect(b.o.out).toContain('clipboard');
    expect(b.o.out).toContain('CD.path');
  });
});

describe('agent key and info lines', () => {
  it('agent=on|off turns the guest agent channel on and off; a bad value names the key', () => {
    const doc = { ...sampleDocument(), guestAgent: false };
    expect(planSettings(doc, ['agent=on'], CWD).patch).toEqual({ guestAgent: true });
    expect(planSettings({ ...doc, guestAgent: true }, ['agent=off'], CWD).patch).toEqual({ guestAgent: false });
    expect(refused(doc, ['agent=maybe'])).toMatch(/agent/);
  });
});
