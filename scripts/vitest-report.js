// What `npm test` concludes from one vitest project's JSON report (scripts/test.js).

/**
 * null when the project ran at least one test, else why it counts as failed: an include glob that matches
 * nothing, or a project whose every test is skipped, must not look green.
 */
export function noTestsRan(project, report) {
  if (!report) return `${project}: vitest wrote no report, so no test is known to have run`;
  const ran = (report.numPassedTests ?? 0) + (report.numFailedTests ?? 0);
  if (ran > 0) return null;
  const found = report.numTotalTests ?? 0;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  return `${project}: no test ran (${found} found, ${skipped} skipped or todo): check the project's include glob in vitest.config.ts`;
}
