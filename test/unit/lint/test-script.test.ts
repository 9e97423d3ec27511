// `npm test` (scripts/test.js) must not pass a stage in which no test ran: a broken include glob, a renamed
// folder or an all-skipped project used to stay green through --passWithNoTests and a skipped e2e stage.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .js script without types
import { noTestsRan } from '../../../scripts/vitest-report.js';

const verdict = noTestsRan as (project: string, report: Record<string, number> | null) => string | null;
const script = readFileSync(join(import.meta.dirname, '../../../scripts/test.js'), 'utf8');

describe('npm test stages', () => {
  it('fail a project that ran no test: no report, no file matched, or every test skipped', () => {
    expect(verdict('unit', null)).toMatch(/^unit: vitest wrote no report/);
    expect(verdict('e2e', { numTotalTests: 0, numPassedTests: 0, numFailedTests: 0, numPendingTests: 0 })).toBe(
      "e2e: no test ran (0 found, 0 skipped or todo): check the project's include glob in vitest.config.ts",
    );
    expect(verdict('hostile', { numTotalTests: 3, numPassedTests: 0, numFailedTests: 0, numPendingTests: 2, numTodoTests: 1 })).toMatch(/no test ran \(3 found, 3 skipped or todo\)/);
  });

  it('pass a project that ran tests (failures are vitest\'s exit code to report)', () => {
    expect(verdict('unit', { numTotalTests: 5, numPassedTests: 5, numFailedTests: 0 })).toBeNull();
    expect(verdict('unit', { numTotalTests: 5, numPassedTests: 4, numFailedTests: 1 })).toBeNull();
  });

  it('never let vitest pass an empty project, and always run the e2e stage', () => {
    expect(script).not.toMatch(/'--passWithNoTests'/);
    expect(script).toMatch(/run: \(\) => vitest\('e2e'\)/);
    expect(script).not.toMatch(/skipped:/);
  });
});
