import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { builtEntry, repoRoot } from '../helpers/engine-harness.js';
import { fixturePaths } from '../helpers/fixtures.js';

// The full benchmark (`npm run bench`) is not part of npm test; this one-run smoke of it is.
describe('scripts/bench.js --smoke', () => {
  it('boots the Linux fixture once under Hangar and once bare, prints the ratio, writes nothing', async () => {
    builtEntry('cli');
    builtEntry('engine');
    void fixturePaths.linuxIso;
    const out = join(repoRoot, 'docs', 'benchmarks-smoke-should-not-exist.md');
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'bench.js'), '--smoke', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^boot overhead ratio: \d+\.\d{3}x \(target <= 1\.03x\)$/m);
    expect(result.stdout).toMatch(/^engine idle RSS: \d+\.\d MiB$/m);
    expect(result.stdout).not.toMatch(/^wrote /m);
    const { existsSync } = await import('node:fs');
    expect(existsSync(out)).toBe(false);
  }, 600_000);
});
