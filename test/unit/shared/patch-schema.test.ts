import { describe, expect, it } from 'vitest';
import { parseVmPatch, VmDocumentError, vmPatchSchema } from '../../../src-shared/vm-document/index.js';

/** The issues a patch is refused with, as `path: message`. */
function refusal(value: unknown): string[] {
  try {
    parseVmPatch(value);
  } catch (err) {
    expect(err).toBeInstanceOf(VmDocumentError);
    return (err as VmDocumentError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('the patch was accepted');
}

describe('parseVmPatch: the document schema, each field optional', () => {
  it('accepts any subset of the document fields and returns exactly them', () => {
    expect(parseVmPatch({})).toEqual({});
    expect(parseVmPatch({ memoryMiB: 2048, clipboard: 'both', cpu: { count: 4, model: 'max' } })).toEqual({ memoryMiB: 2048, clipboard: 'both', cpu: { count: 4, model: 'max' } });
  });

  it('applies the document field rules (a trimmed name)', () => {
    expect(parseVmPatch({ name: '  web  ' })).toEqual({ name: 'web' });
  });

  it('names an unknown key, at the top and inside a section', () => {
    expect(refusal({ memoryMiB: 512, colour: 'red' })).toEqual(['colour: unknown field']);
    expect(refusal({ cpu: { count: 2, model: 'max', hotplug: true } })).toEqual(['cpu.hotplug: unknown field']);
  });

  it('names prototype keys as unknown fields, however they arrive', () => {
    expect(refusal(JSON.parse('{"__proto__": {"extraArgs": ["-incoming", "exec:id"]}}'))).toEqual(['__proto__: unknown field']);
    expect(refusal(JSON.parse('{"constructor": {"prototype": {}}}'))).toEqual(['constructor: unknown field']);
    // A prototype carrying fields (an object built in-process): zod would read them as the patch's own.
    expect(refusal(Object.create({ extraArgs: ['-incoming', 'exec:id'] }) as object)).toEqual(['(patch): must be a plain object']);
    expect(refusal(new Map([['memoryMiB', 64]]))).toEqual(['(patch): must be a plain object']);
    expect(parseVmPatch(Object.assign(Object.create(null) as object, { memoryMiB: 64 }))).toEqual({ memoryMiB: 64 });
    expect(({} as Record<string, unknown>)['extraArgs']).toBeUndefined();
  });

  it('gives memory and CPU count rules a person can act on', () => {
    expect(refusal({ memoryMiB: 8 })).toEqual(['memoryMiB: must be a whole number of MiB >=16']);
    expect(refusal({ memoryMiB: 1000.5 })).toEqual(['memoryMiB: must be a whole number of MiB >=16']);
    expect(refusal({ memoryMiB: -3.5 })).toEqual(['memoryMiB: must be a whole number of MiB >=16']);
    expect(refusal({ memoryMiB: 2 ** 64 })).toEqual(['memoryMiB: must be at most 16777216 MiB (16 TiB)']);
    expect(refusal({ cpu: { count: 0, model: 'max' } })).toEqual(['cpu.count: must be at least 1']);
  });

  it('names wrong types and bad enum values', () => {
    expect(refusal({ memoryMiB: '2048' })).toEqual(['memoryMiB: Invalid input: expected number, received string']);
    expect(refusal({ firmware: { type: 'bios', secureBoot: 'false', tpm: false } })).toEqual(['firmware.secureBoot: Invalid input: expected boolean, received string']);
    expect(refusal({ clipboard: 'all' })).toEqual(['clipboard: invalid value (expected one of "off", "host-to-guest", "guest-to-host", "both")']);
    expect(refusal({ display: { device: { device: 'std' } } })[0]).toMatch(/^display\.device: invalid value \(expected one of "std"/);
  });

  it('refuses identity and timestamps with the same words as before', () => {
    expect(refusal({ id: 'x' })).toEqual(['id: cannot be changed by a patch']);
    expect(() => parseVmPatch({ createdAt: 'x' })).toThrow('field "createdAt" cannot be changed by a patch');
  });

  it('refuses what is not an object', () => {
    for (const v of [null, [], 'memoryMiB=64', 64]) expect(refusal(v)).toEqual(['(patch): must be an object']);
  });

  it('says every problem at once, in a message naming each field', () => {
    expect(() => parseVmPatch({ memoryMiB: 8, colour: 'red' })).toThrow(/^invalid VM document: (memoryMiB: must be a whole number of MiB >=16; colour: unknown field|colour: unknown field; memoryMiB: must be a whole number of MiB >=16)$/);
  });

  it('is the document schema minus identity and timestamps', () => {
    expect(Object.keys(vmPatchSchema.shape).sort()).not.toContain('id');
    expect(Object.keys(vmPatchSchema.shape)).toEqual(expect.arrayContaining(['name', 'memoryMiB', 'cpu', 'extraArgs', 'network']));
  });
});
