// Unit setup file: testing-library's findBy*/waitFor give up after 1 s by default, which a React render
// misses on a loaded 2-core machine (QEMU, Chromium and other test runs beside it). Wait on the condition
// with a realistic timeout instead; a passing test still returns as soon as the condition holds.
export const DOM_WAIT_TIMEOUT_MS = 15_000;

// Imported only under jsdom: most unit files run in Node, and loading testing-library (aria-query,
// pretty-format...) there cost each of them about half a second of setup for nothing.
if ('document' in globalThis) {
  const { configure } = await import('@testing-library/dom');
  configure({ asyncUtilTimeout: DOM_WAIT_TIMEOUT_MS });
}
