import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVmDocument } from '../../../../src-shared/vm-document/index.js';
import { buildArgv } from '../../../../src-main/engine/qemu/index.js';
import { GOLDEN_DIR, fakeCase } from './golden-cases.js';

// Golden files pin the exact argv per document: `<case>.vm.json` in, `<case>.argv.txt` (one arg per line) out.
// Only UPDATE_GOLDEN=1 writes goldens (review the diff before committing); a missing golden fails like any other
// difference, so a CI run can never pass by writing what it was meant to check.
const update = process.env['UPDATE_GOLDEN'] === '1';
const cases = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith('.vm.json'))
  .map((f) => f.slice(0, -'.vm.json'.length))
  .sort();

describe('buildArgv goldens', () => {
  it('covers the case matrix', () => {
    expect(cases.length).toBeGreaterThanOrEqual(14);
  });

  it.each(cases)('%s', (name) => {
    const vm = parseVmDocument(readFileSync(join(GOLDEN_DIR, `${name}.vm.json`), 'utf8'));
    const { host, paths } = fakeCase(name);
    const argv = buildArgv(vm, host, paths);
    for (const arg of argv) expect(arg).not.toMatch(/[\n\r\0]/);
    const actual = `${argv.join('\n')}\n`;
    const goldenPath = join(GOLDEN_DIR, `${name}.argv.txt`);
    if (update) {
      writeFileSync(goldenPath, actual, 'utf8');
      console.warn(`wrote golden ${goldenPath}`);
    }
    expect(existsSync(goldenPath), `${goldenPath} is missing: run UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/engine/qemu/argv-golden.test.ts, review it, commit it`).toBe(true);
    expect(actual).toBe(readFileSync(goldenPath, 'utf8'));
  });
});
