// Unit setup file: testing-library's findBy*/waitFor give up after 1 s by default, which a React render
// misses on a loaded 2-core machine (QEMU, Chromium and other test runs beside it). Wait on the condition
// with a realistic timeout instead; a passing test still returns as soon as the condition holds.
import { configure } from '@testing-library/dom';

export const DOM_WAIT_TIMEOUT_MS = 15_000;

if ('document' in globalThis) configure({ asyncUtilTimeout: DOM_WAIT_TIMEOUT_MS });
