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

  it('scripts/bench-all.js --smoke --only library: runs the part and sums up its figures against their targets, writes nothing', async () => {
    builtEntry('serve');
    const docs = join(repoRoot, 'docs', 'benchmarks.md');
    const { existsSync, readFileSync } = await import('node:fs');
    const before = existsSync(docs) ? readFileSync(docs, 'utf8') : null;
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'bench-all.js'), '--smoke', '--only', 'library'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^== summary: 1 parts in \d+\.\d min; load average before [\d.]+ [\d.]+ [\d.]+, after [\d.]+ [\d.]+ [\d.]+$/m);
    expect(result.stdout).toMatch(/^library \(\d+\.\d min, load [\d. ]+ → [\d. ]+\)$/m);
    expect(result.stdout).toMatch(/^ {2}engine: library\.list at 50 machines answered by the engine \(request → first byte\) median \d+\.\d ms, p95 \d+\.\d ms \(target ≤ 20 ms\); whole answer parsed: median \d+\.\d ms$/m);
    expect(result.stdout).toMatch(/^ {2}first paint median, Hangar ÷ baseline: cold \d+\.\d\d× .*warm \d+\.\d\d× .*\(target ≤ 1\.5×\).*load average before .*, after .*$/m);
    expect(result.stdout).not.toMatch(/^wrote /m);
    expect(existsSync(docs) ? readFileSync(docs, 'utf8') : null).toBe(before);
  }, 900_000);
});
