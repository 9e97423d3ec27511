import { describe, expect, it } from 'vitest';
import {
  ARCHITECTURES, AUDIO_DEVICES, CDROM_BUSES, CLIPBOARD_POLICIES, DISK_BUSES, DISK_FORMATS, DISPLAY_DEVICES, FIRMWARE_TYPES,
  FORWARD_PROTOCOLS, KEYBOARD_DEVICES, NIC_MODELS, POINTER_DEVICES,
  parseVmDocument, serializeVmDocument, validateVmDocument, VmDocumentError,
} from '../../../src-shared/vm-document/index.js';
import { raw, sampleDocument } from './sample-document.js';

type Json = Record<string, unknown>;

/** Sets `value` at a dotted path with [n] indices, on a deep copy. */
function withValue(path: string, value: unknown): Json {
  const doc = raw(sampleDocument());
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let node: Json = doc;
  for (const part of parts.slice(0, -1)) node = node[part] as Json;
  node[parts.at(-1)!] = value;
  return doc;
}

function withoutField(path: string): Json {
  const doc = raw(sampleDocument());
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let node: Json = doc;
  for (const part of parts.slice(0, -1)) node = node[part] as Json;
  delete node[parts.at(-1)!];
  return doc;
}

function issuesOf(value: unknown): Array<{ path: string; message: string }> {
  try {
    validateVmDocument(value);
  } catch (err) {
    expect(err).toBeInstanceOf(VmDocumentError);
    return [...(err as VmDocumentError).issues];
  }
  throw new Error('expected the document to be rejected');
}

describe('validateVmDocument', () => {
  it('accepts the sample document and returns an equal copy', () => {
    const doc = sampleDocument();
    const out = validateVmDocument(doc);
    expect(out).toEqual(doc);
    expect(out).not.toBe(doc);
  });

  const enums: Array<[string, ReadonlyArray<string>]> = [
    ['arch', ARCHITECTURES],
    ['firmware.type', FIRMWARE_TYPES],
    ['disks[0].format', DISK_FORMATS],
    ['disks[0].bus', DISK_BUSES],
    ['cdroms[0].bus', CDROM_BUSES],
    ['network.model', NIC_MODELS],
    ['network.forwards[0].protocol', FORWARD_PROTOCOLS],
    ['display.device', DISPLAY_DEVICES],
    ['input.pointer', POINTER_DEVICES],
    ['input.keyboard', KEYBOARD_DEVICES],
    ['audio.device', AUDIO_DEVICES],
    ['clipboard', CLIPBOARD_POLICIES],
  ];

  it.each(enums)('rejects an unknown %s value, naming the field and the allowed values', (path, allowed) => {
    const issues = issuesOf(withValue(path, 'bogus-value'));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(path);
    for (const v of allowed) expect(issues[0]!.message).toContain(JSON.stringify(v));
    expect(() => validateVmDocument(withValue(path, 'bogus-value'))).toThrow(new RegExp(`^invalid VM document: ${path.replace(/[[\].]/g, '\\$&')}: `));
  });

  it.each(enums)('accepts every documented %s value', (path, allowed) => {
    for (const v of allowed) {
      const doc = withValue(path, v);
      // arch and firmware choices interact with nothing else; the others are free-standing enums.
      expect(() => validateVmDocument(doc), `${path}=${v}`).not.toThrow();
    }
  });

  it('rejects an unknown network mode naming network.mode', () => {
    expect(issuesOf(withValue('network.mode', 'tap'))[0]!.path).toBe('network.mode');
  });

  const required = [
    'schemaVersion', 'id', 'name', 'description', 'osId', 'arch', 'machine', 'firmware', 'firmware.secureBoot', 'cpu.count', 'memoryMiB',
    'disks', 'disks[0].path', 'disks[0].readOnly', 'cdroms[0].path', 'network.mode', 'network.mac', 'network.forwards', 'display.device', 'input.keyboard',
    'audio', 'clipboard', 'bootOrder', 'extraArgs', 'createdAt', 'updatedAt',
  ];
  it.each(required)('a missing %s is an error naming it', (path) => {
    const issues = issuesOf(withoutField(path));
    expect(issues).toContainEqual({ path, message: 'is required but missing' });
  });

  it.each(['(document)', 'firmware', 'disks[0]', 'cdroms[0]', 'network', 'network.forwards[0]', 'cpu', 'display'])(
    'rejects an unknown field inside %s, naming it',
    (where) => {
      const doc = where === '(document)' ? withValue('colour', 'red') : withValue(`${where}.colour`, 'red');
      const path = where === '(document)' ? 'colour' : `${where}.colour`;
      expect(issuesOf(doc)).toEqual([{ path, message: 'unknown field' }]);
    },
  );

  it('refuses -sandbox in extra arguments in every spelling, naming the entry, and nothing that merely mentions it', () => {
    for (const spelling of ['-sandbox', '--sandbox', '-sandbox=off', '--sandbox=on,spawn=allow', '-SANDBOX']) {
      const issues = issuesOf(withValue('extraArgs', ['-rtc', 'base=utc', spelling, 'off']));
      expect(issues, spelling).toEqual([{ path: 'extraArgs[2]', message: expect.stringMatching(/^must not be -sandbox: Hangar sets QEMU's sandbox itself/) }]);
    }
    expect(() => validateVmDocument(withValue('extraArgs', ['-name', 'sandbox', '-device', 'x,id=-sandbox', '-sandboxed']))).not.toThrow();
  });

  it('names every unknown field separately', () => {
    const doc = { ...raw(sampleDocument()), a: 1, b: 2 };
    expect(issuesOf(doc).map((i) => i.path)).toEqual(['a', 'b']);
  });

  it('reports several problems at once', () => {
    const doc = withValue('disks[0].bus', 'usb');
    doc['memoryMiB'] = 1;
    expect(issuesOf(doc).map((i) => i.path).sort()).toEqual(['disks[0].bus', 'memoryMiB']);
  });

  it.each([
    ['id', 'not-a-uuid'],
    ['name', '   '],
    ['machine', 'Q35 --evil'],
    ['cpu.count', 0],
    ['cpu.count', 1.5],
    ['cpu.model', 'max,foo=bar'],
    ['memoryMiB', 8],
    ['disks[0].id', 'Disk 0'],
    ['disks[0].path', ''],
    ['network.mac', '52:54:00:AA:BB:CC'],
    ['network.forwards[0].hostPort', 70000],
    ['network.forwards[0].hostAddress', 'localhost'],
    ['bootOrder[0]', 'cd0,drive'],
    ['createdAt', 'yesterday'],
    ['schemaVersion', 1],
  ])('rejects %s = %j naming the field', (path, value) => {
    expect(issuesOf(withValue(path, value)).map((i) => i.path)).toContain(path);
  });

  it('rejects non-objects', () => {
    for (const v of [null, 42, 'vm', []]) expect(() => validateVmDocument(v)).toThrow(VmDocumentError);
  });

  describe('cross-field rules', () => {
    it('rejects a device id used by a disk and a CD-ROM, pointing at the second use', () => {
      const doc = withValue('cdroms[0].id', 'disk0');
      doc['bootOrder'] = ['disk0'];
      expect(issuesOf(doc)).toEqual([{ path: 'cdroms[0].id', message: 'device id "disk0" is used twice' }]);
    });

    it('rejects two disks with the same id', () => {
      const doc = sampleDocument();
      const twice = { ...doc, disks: [doc.disks[0]!, { ...doc.disks[0]!, path: 'disks/other.qcow2' }] };
      expect(issuesOf(twice)).toEqual([{ path: 'disks[1].id', message: 'device id "disk0" is used twice' }]);
    });

    it('rejects a bootOrder entry naming a missing device', () => {
      const doc = { ...sampleDocument(), bootOrder: ['cd0', 'disk9'] };
      expect(issuesOf(doc)).toEqual([{ path: 'bootOrder[1]', message: 'names no disk or CD-ROM ("disk9")' }]);
    });

    it('rejects the same host port forwarded twice (same protocol and address)', () => {
      const doc = sampleDocument();
      if (doc.network.mode !== 'user') throw new Error('sample must use user networking');
      const fwd = doc.network.forwards[0]!;
      const twice = { ...doc, network: { ...doc.network, forwards: [fwd, { ...fwd, guestPort: 2022 }] } };
      expect(issuesOf(twice)).toEqual([{ path: 'network.forwards[1]', message: 'host port tcp/2222 is forwarded twice' }]);
    });

    it('allows the same port for tcp and udp, and on different host addresses', () => {
      const doc = sampleDocument();
      if (doc.network.mode !== 'user') throw new Error('sample must use user networking');
      const fwd = doc.network.forwards[0]!;
      const forwards = [fwd, { ...fwd, protocol: 'udp' as const }, { ...fwd, hostAddress: '0.0.0.0' }];
      expect(() => validateVmDocument({ ...doc, network: { ...doc.network, forwards } })).not.toThrow();
    });

    it('rejects secure boot without UEFI and accepts it with UEFI', () => {
      const doc = sampleDocument();
      expect(issuesOf({ ...doc, firmware: { type: 'bios', secureBoot: true, tpm: false } })).toEqual([
        { path: 'firmware.secureBoot', message: 'needs UEFI firmware' },
      ]);
      expect(validateVmDocument({ ...doc, firmware: { type: 'uefi', secureBoot: true, tpm: true } }).firmware.secureBoot).toBe(true);
    });
  });
});

describe('parseVmDocument / serializeVmDocument', () => {
  it('round-trips a document', () => {
    const doc = sampleDocument();
    const text = serializeVmDocument(doc);
    expect(text.endsWith('\n')).toBe(true);
    expect(parseVmDocument(text)).toEqual(doc);
  });

  it('reports bad JSON as a VmDocumentError', () => {
    expect(() => parseVmDocument('{"schemaVersion": 2,')).toThrow(/vm.json is not valid JSON/);
  });
});
