// The CLI's main() run inside the test process against a test library (its engine in-process too, or the
// library's running one): the exit code and what it wrote, for tests that check both.
import { main } from '../../src-main/cli/main.js';
import type { TestEnv } from './engine-harness.js';

/** `hangar --library <t's library> ...argv`, in this process; always resolves with the exit code and output. */
export async function runCli(t: TestEnv, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['--library', t.libraryDir, ...argv], { out: (x) => void (out += x), err: (x) => void (err += x) });
  return { code, out, err };
}
