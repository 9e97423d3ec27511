// e2e tests share 2 cores with QEMU and Chromium: a wait on vitest's 1 s default fails there without meaning
// anything. Every expect.poll in test/e2e names its timeout.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../e2e');

/** The argument text of each `expect.poll(...)` / `expect\n  .poll(...)` call in a source. */
function pollArgs(source: string): string[] {
  const out: string[] = [];
  const re = /expect\s*\.poll\(/g;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < source.length && depth > 0; i++) {
      if (source[i] === '(') depth++;
      else if (source[i] === ')') depth--;
    }
    out.push(source.slice(m.index + m[0].length, i - 1));
  }
  return out;
}

describe('e2e waits', () => {
  it('finds the arguments of a poll, across lines', () => {
    expect(pollArgs("await expect.poll(() => f(a), { timeout: 5 }).toBe(1);\nawait expect\n  .poll(() => g(), {\n timeout: 9 })")).toEqual(['() => f(a), { timeout: 5 }', '() => g(), {\n timeout: 9 }']);
  });

  it.each(readdirSync(dir).filter((f) => f.endsWith('.ts')))('%s: every expect.poll names its timeout', (file) => {
    const missing = pollArgs(readFileSync(join(dir, file), 'utf8')).filter((a) => !/\btimeout\b/.test(a));
    expect(missing).toEqual([]);
  });
});
