import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { builtEntry, repoRoot } from '../helpers/engine-harness.js';
import { fixturePaths } from '../helpers/fixtures.js';

/** Runs `scripts/<script> --smoke --out <out>` to its end; its exit code and output. */
function runSmoke(script: string, out: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', script), '--smoke', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// The full benchmark (`npm run bench`) is not part of npm test; this one-run smoke of it is.
describe('scripts/bench.js --smoke', () => {
  it('boots the Linux fixture once under Hangar and once bare, prints the ratio, writes nothing', async () => {
    builtEntry('cli');
    builtEntry('engine');
    void fixturePaths.linuxIso;
    const out = join(repoRoot, 'docs', 'benchmarks-smoke-should-not-exist.md');
    const result = await runSmoke('bench.js', out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^boot overhead ratio: \d+\.\d{3}x \(target <= 1\.02x\)$/m);
    expect(result.stdout).toMatch(/^engine idle RSS: \d+\.\d MiB$/m);
    expect(result.stdout).not.toMatch(/^wrote /m);
    const { existsSync } = await import('node:fs');
    expect(existsSync(out)).toBe(false);
  }, 600_000);

  it('scripts/bench-engine.js --smoke: snapshot ratios against bare QMP, idle engine RSS and CPU, writes nothing', async () => {
    builtEntry('engine');
    void fixturePaths.bootImg;
    void fixturePaths.linuxIso;
    const out = join(repoRoot, 'docs', 'benchmarks-engine-smoke-should-not-exist.md');
    const result = await runSmoke('bench-engine.js', out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const guest of ['linux', 'boot']) {
      expect(result.stdout).toMatch(new RegExp(`^${guest}: snapshot save ratio: \\d+\\.\\d{3}x .*target <= 1\\.05x\\)$`, 'm'));
      expect(result.stdout).toMatch(new RegExp(`^${guest}: snapshot load ratio: \\d+\\.\\d{3}x .*target <= 1\\.05x\\)$`, 'm'));
    }
    expect(result.stdout).toMatch(/^idle engine with 2 VMs running: no page: RSS max \d+\.\d MB, CPU \d+\.\d\d %; library page open: RSS max \d+\.\d MB, CPU \d+\.\d\d % \(targets < 80 MB, < 1 %\); page main thread \d+\.\d\d %$/m);
    expect(result.stdout).not.toMatch(/^wrote /m);
    const { existsSync } = await import('node:fs');
    expect(existsSync(out)).toBe(false);
  }, 600_000);
});
