import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomMac } from '../../../src-shared/vm-document/mac.js';
import { newVmDocument, validateVmDocument } from '../../../src-shared/vm-document/index.js';
import { SAMPLE_ID, SAMPLE_NOW } from './sample-document.js';

const root = join(import.meta.dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

describe('randomMac', () => {
  it('makes lowercase MACs in QEMU\'s range that the VM document accepts, from Web Crypto by default', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const mac = randomMac();
      expect(mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
      expect(() => validateVmDocument(newVmDocument({ id: SAMPLE_ID, name: 'n', now: SAMPLE_NOW, mac }))).not.toThrow();
      seen.add(mac);
    }
    expect(seen.size).toBeGreaterThan(40); // random, not a constant
  });

  it('skips the MACs the library already uses', () => {
    const draws = [[0x12, 0x34, 0x56], [0x12, 0x34, 0x56], [0xab, 0x0c, 0xff]];
    const fill = (bytes: Uint8Array) => {
      bytes.set(draws.shift()!);
      return bytes;
    };
    expect(randomMac(new Set(['52:54:00:12:34:56']), fill)).toBe('52:54:00:ab:0c:ff');
    expect(draws).toEqual([]);
  });

  it('is written once: the engine and the renderer import this one', () => {
    const defining = ['src-shared', 'src-main', 'src-renderer']
      .flatMap(sources)
      .filter((f) => /\b(function\s+randomMac\b|randomMac\s*=)/.test(readFileSync(join(root, f), 'utf8')));
    expect(defining).toEqual(['src-shared/vm-document/mac.ts']);
  });
});
