#!/usr/bin/env node
// `node scripts/test-durations.js`: writes test/file-durations.json, the seconds each integration, hostile and e2e
// test file took (hooks and guest boots included), from vitest's results cache of the last runs in this checkout
// (node_modules/.vite/vitest/*/results.json). The sequencer (test/helpers/longest-first-sequencer.ts) starts the
// longest files first with it. Run the stages first (`npm test`, or `npx vitest run --project 'integration*'` ...);
// a file missing from the cache keeps its old figure, a file that no longer exists is dropped.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test', 'file-durations.json');
const cacheDir = join(root, 'node_modules', '.vite', 'vitest');
const STAGES = ['integration', 'hostile', 'e2e'];

const old = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')).seconds : {};
const seconds = Object.fromEntries(Object.entries(old).filter(([file]) => existsSync(join(root, file))));
let updated = 0;
for (const hash of existsSync(cacheDir) ? readdirSync(cacheDir) : []) {
  const cache = join(cacheDir, hash, 'results.json');
  if (!existsSync(cache)) continue;
  // [["project:relative/path", { duration (ms), failed }], ...]
  for (const [key, result] of JSON.parse(readFileSync(cache, 'utf8')).results) {
    const [project, file] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    // A failed run's duration says when it failed, not how long the file takes.
    if (!STAGES.includes(project) || result.failed || !existsSync(join(root, file)) || !(result.duration > 0)) continue;
    seconds[file] = Math.round(result.duration / 100) / 10;
    updated++;
  }
}
const sorted = Object.fromEntries(Object.entries(seconds).sort(([a], [b]) => (a < b ? -1 : 1)));
writeFileSync(out, `${JSON.stringify({ comment: 'written by scripts/test-durations.js; read by test/helpers/longest-first-sequencer.ts', seconds: sorted }, null, 2)}\n`);
console.log(`${out}: ${Object.keys(sorted).length} files (${updated} from vitest's cache)`);
