import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CURRENT_SCHEMA_VERSION, migrateDocument, parseVmDocument, serializeVmDocument, validateVmDocument, VmDocumentError,
} from '../../../src-shared/vm-document/index.js';

const fixtures = new URL('../../fixtures/documents/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, fixtures), 'utf8');

function parseError(text: string): VmDocumentError {
  try {
    parseVmDocument(text);
  } catch (err) {
    expect(err).toBeInstanceOf(VmDocumentError);
    return err as VmDocumentError;
  }
  throw new Error('expected parseVmDocument to fail');
}

const migratable = readdirSync(fixtures)
  .filter((f) => f.endsWith('.expected-v2.json'))
  .map((f) => f.replace('.expected-v2.json', '.json'));

describe('v1 → v2 migration (fixtures)', () => {
  it('has the v1 fixtures it promises', () => {
    expect(migratable.length).toBeGreaterThanOrEqual(3);
  });

  it.each(migratable)('%s migrates to a valid v2 document equal to its expected file', (name) => {
    const source = read(name);
    expect(JSON.parse(source).schemaVersion).toBe(1);
    const expected = JSON.parse(read(name.replace('.json', '.expected-v2.json'))) as unknown;
    const doc = parseVmDocument(source);
    expect(doc.schemaVersion).toBe(CURRENT_SCHEMA_VERSION);
    // Later steps (v2 → v3...) apply to the expected v2 file alike; it is itself a valid v2 document.
    expect(doc).toEqual(parseVmDocument(JSON.stringify(expected)));
    expect(parseVmDocument(serializeVmDocument(doc))).toEqual(doc);
  });

  it('does not modify the raw input object', () => {
    const raw = JSON.parse(read('v1-debian-bios.json')) as Record<string, unknown>;
    const copy = structuredClone(raw);
    migrateDocument(raw);
    expect(raw).toEqual(copy);
  });

  it('maps v1 boot entries to device ids and drops ones with no device', () => {
    const doc = parseVmDocument(read('v1-live-cd-empty-drive.json'));
    // "disk" had no disk to name, so only the CD-ROM remains.
    expect(doc.bootOrder).toEqual(['cd0']);
  });

  it('leaves a current document as it is', () => {
    const current = JSON.parse(read('v3-debian-bios.expected-v4.json')) as Record<string, unknown>;
    expect(migrateDocument(current)).toEqual(current);
  });

  it('reports a bad v1 enum after migration with the v2 field path', () => {
    const err = parseError(read('v1-bad-display.json'));
    expect(err.issues).toEqual([expect.objectContaining({ path: 'display.device' })]);
    expect(err.message).toMatch(/display\.device: invalid value/);
  });

  it('never invents a value it cannot derive: a v1 user network without a MAC is an error', () => {
    const err = parseError(read('v1-user-network-without-mac.json'));
    expect(err.issues).toEqual([{ path: 'network.mac', message: 'is required but missing' }]);
  });
});

describe('v2 → v3 migration', () => {
  it('gives an old machine no guest agent channel (it had none), and the result is a valid v3 document', () => {
    const doc = parseVmDocument(read('v2-debian-bios.json'));
    // Later steps (v3 → v4...) apply to the expected v3 file alike.
    const expected = migrateDocument(JSON.parse(read('v2-debian-bios.expected-v3.json')));
    expect(doc).toEqual(expected);
    expect(validateVmDocument(expected)).toEqual(expected);
    expect(doc.guestAgent).toBe(false);
  });
});

describe('v3 → v4 migration', () => {
  it('gives an old machine no shared folders (it had none), and the result is a valid v4 document', () => {
    const doc = parseVmDocument(read('v3-debian-bios.json'));
    const expected = JSON.parse(read('v3-debian-bios.expected-v4.json')) as unknown;
    expect(doc).toEqual(expected);
    expect(validateVmDocument(expected)).toEqual(expected);
    expect(doc.shares).toEqual([]);
  });
});

describe('v3 → v4 migration (USB)', () => {
  it('gives an old machine no USB sticks and no host USB rules (it had none), and the result is a valid v4 document', () => {
    const doc = parseVmDocument(read('v3-debian-bios.json'));
    const expected = JSON.parse(read('v3-debian-bios.expected-v4.json')) as unknown;
    expect(JSON.parse(read('v3-debian-bios.json')).schemaVersion).toBe(3);
    expect(doc).toEqual(expected);
    expect(validateVmDocument(expected)).toEqual(expected);
    expect(doc.usb).toEqual({ images: [], rules: [] });
  });
});

describe('documents that cannot be loaded', () => {
  it('refuses a document from a newer Hangar, saying so', () => {
    const err = parseError(read('v99-too-new.json'));
    expect(err.message).toMatch(/written by a newer Hangar \(schema 99; this one reads up to 4\)/);
    expect(err.issues).toEqual([{ path: 'schemaVersion', message: 'is 99, newer than 4' }]);
  });

  it('refuses truncated JSON', () => {
    expect(parseError(read('bad-json.json')).message).toMatch(/^vm.json is not valid JSON/);
  });

  it('refuses a document without schemaVersion', () => {
    const err = parseError(read('missing-schema-version.json'));
    expect(err.message).toBe('vm.json has no valid schemaVersion');
    expect(err.issues[0]?.path).toBe('schemaVersion');
  });

  it.each([0, -1, 1.5, '2', null])('refuses schemaVersion %j', (v) => {
    expect(() => migrateDocument({ schemaVersion: v })).toThrow(/no valid schemaVersion/);
  });

  it.each(['[]', 'null', '42', '"vm"'])('refuses non-object JSON %s', (text) => {
    expect(parseError(text).message).toBe('vm.json is not a JSON object');
  });
});
