// docs/benchmarks.md is written by the bench scripts: every figure in it must come from the run that wrote it,
// and the accelerator must be the host probe's verdict (an existing /dev/kvm may be unusable).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .js script without types
import { acceleratorOf } from '../../../scripts/bench-common.js';

const accel = acceleratorOf as (host: unknown) => string;
const scripts = ['bench.js', 'bench-display.js', 'bench-engine.js', 'bench-library.js'].map((f) => ({ f, text: readFileSync(join(import.meta.dirname, '../../../scripts', f), 'utf8') }));

describe('benchmark reports', () => {
  it("name the accelerator from the host probe's verdict, with its reason", () => {
    expect(accel({ kvm: { usable: true, reason: '' } })).toBe('KVM (usable, per the host probe)');
    expect(accel({ kvm: { usable: false, reason: 'KVM aborted QEMU: failed to set MSR' } })).toBe('TCG (KVM not usable: KVM aborted QEMU: failed to set MSR)');
    expect(accel({})).toBe('TCG (KVM not usable: the host probe gave no verdict)');
  });

  it.each(scripts)('$f never infers KVM from /dev/kvm existing, nor prints figures of an earlier run', ({ text }) => {
    expect(text).not.toMatch(/existsSync\(['"]\/dev\/kvm['"]\)/);
    // Fixed figures in the report text: "≈ 3 ms", "about 20 ms", "1.2–1.3×", dated profiles.
    expect(text).not.toMatch(/≈\s*\d/);
    expect(text).not.toMatch(/about \d+(\.\d+)? ?(ms|s|kB|KiB|MiB)\b/);
    expect(text).not.toMatch(/\d\.\d+[–-]\d\.\d+×/);
    expect(text).not.toMatch(/\(20\d\d-\d\d-\d\d, same machine/);
  });
});
