// No import cycle inside src-main/engine (type-only imports count: they tie the files as much), proven on
// small graphs first so a broken detector cannot pass the real check by finding nothing.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cyclesOf, importGraph, specifiersOf, type ImportGraph } from './engine-import-graph.js';

const engineDir = fileURLToPath(new URL('../../../src-main/engine/', import.meta.url));
const graphOf = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));

describe('the import-cycle detector', () => {
  it('reads imports, type-only imports and re-exports', () => {
    const code = "import { a } from './a.js';\nimport type { B } from '../b.js';\nexport { c } from './c.js';\nexport * from './d.js';\nconst x = 1;\n";
    expect(specifiersOf(code)).toEqual(['./a.js', '../b.js', './c.js', './d.js']);
  });

  it('finds a two-file cycle, a longer one and a self-import, and nothing in a tree', () => {
    expect(cyclesOf(graphOf({ a: ['b'], b: ['a'] }))).toEqual([['a', 'b']]);
    expect(cyclesOf(graphOf({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([['a', 'b', 'c']]);
    expect(cyclesOf(graphOf({ a: ['a'] }))).toEqual([['a']]);
    expect(cyclesOf(graphOf({ a: ['b', 'c'], b: ['c'], c: [] }))).toEqual([]);
  });

  it('sees the real engine folder (its entry imports engine.ts)', () => {
    const graph = importGraph(engineDir);
    expect(graph.get('main.ts')?.has('engine.ts')).toBe(true);
  });
});

describe('src-main/engine', () => {
  it('has no import cycle', () => {
    const cycles = cyclesOf(importGraph(engineDir));
    expect(cycles.map((c) => c.join(' ⇄ '))).toEqual([]);
  });
});

describe('src-main', () => {
  it('finds no service through a per-engine lookup (`xxxServiceFor(engine)`): engine-services.ts hands them over', () => {
    const mainDir = fileURLToPath(new URL('../../../src-main/', import.meta.url));
    const files = readdirSync(mainDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(100);
    const lookups = files.flatMap((f) => [...readFileSync(join(mainDir, f), 'utf8').matchAll(/\b\w+ServiceFor\(/g)].map((m) => `${f}: ${m[0]}`));
    expect(lookups).toEqual([]);
  });
});
