// Runs the built `hangar` CLI (bin/hangar.js) against a test library.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { builtEntry, repoRoot, type TestEnv } from './engine-harness.js';

const run = promisify(execFile);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `hangar --library <library> ...args`; rejects on a non-zero exit (execFile semantics). */
export function runHangar(
  library: string,
  env: NodeJS.ProcessEnv,
  args: string[],
  options: { timeout?: number; maxBuffer?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [join(repoRoot, 'bin', 'hangar.js'), '--library', library, ...args], { env, timeout: options.timeout ?? 60_000, ...(options.maxBuffer ? { maxBuffer: options.maxBuffer } : {}) });
}

/** Runs `hangar` in a test env; always resolves with the exit code and output. */
export function spawnHangar(t: TestEnv, ...args: string[]): Promise<CliRun> {
  return spawnHangarIn(t, process.cwd(), ...args);
}

/** spawnHangar from the folder `cwd` (relative paths on the command line are relative to it). */
export function spawnHangarIn(t: TestEnv, cwd: string, ...args: string[]): Promise<CliRun> {
  builtEntry('cli');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'hangar.js'), '--library', t.libraryDir, ...args], { cwd, env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
