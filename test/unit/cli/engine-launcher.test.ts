// The launcher's side of a background engine that fails: the CLI reports the engine's own refusal as is,
// and an engine that dies without a word with the last lines of its log.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import { reachEngine } from '../../../src-main/cli/engine-launcher.js';

describe('reachEngine when the background engine cannot start', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hangar-launch-'));
    env = { ...process.env, XDG_RUNTIME_DIR: mkdtempSync('/tmp/hgl-') };
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(env['XDG_RUNTIME_DIR']!, { recursive: true, force: true });
  });

  const node = (script: string) => ({ command: process.execPath, args: ['-e', script] });

  it('names the exit and quotes the end of the log when the engine dies before it is ready', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\\n');
    const err = await reachEngine(join(root, 'lib'), env, node(`console.error("${lines}"); console.error("boom: out of cheese"); process.exit(3)`)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^the background engine exited \(code 3\) before it was ready; the last lines of its log .*\/hangar\/engine-[0-9a-f]{12}\.log:\n/);
    expect(msg).toContain('  boom: out of cheese');
    expect(msg).toContain('  line 29');
    expect(msg).not.toContain('line 10\n');
  });

  it("passes the engine's own refusal on with its error code", async () => {
    const err = await reachEngine(join(root, 'lib'), env, node(`require('fs').writeSync(3, JSON.stringify({ ready: false, code: 'io', message: 'the library /x is not a folder' }) + '\\n')`)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ code: 'io', message: 'the library /x is not a folder' });
  });

  it('asks the engine to read the host probe at once only for a command that needs it (a start)', async () => {
    // The fake engine answers with what it was told, as a refusal (so nothing is left running).
    const tell = node(`require('fs').writeSync(3, JSON.stringify({ ready: false, code: 'io', message: 'warm=' + process.env.HANGAR_ENGINE_WARM_HOST }) + '\\n')`);
    expect(((await reachEngine(join(root, 'lib'), env, tell, { warmHost: true }).catch((e: Error) => e)) as Error).message).toBe('warm=1');
    expect(((await reachEngine(join(root, 'lib'), env, tell).catch((e: Error) => e)) as Error).message).toBe('warm=undefined');
  });

  it('a launcher that cannot run at all is a clear error', async () => {
    const err = await reachEngine(join(root, 'lib'), env, { command: join(root, 'no-such-binary'), args: [] }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^could not start the background engine \(.*no-such-binary\): spawn .* ENOENT$/);
  });
});
