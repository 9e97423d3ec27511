// The QEMU stages run two test files at a time (vitest.config.ts), the libvirt files among them: those share the
// host's one libvirtd, so each sets it up through ensureLibvirt (test/helpers/libvirt-host.ts), which holds a
// host-wide lock, before anything else. Files start longest first, from test/file-durations.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import config from '../../../vitest.config.js';
import { LongestFirstSequencer, longestFirst, measuredDurations } from '../../helpers/longest-first-sequencer.js';

const root = join(import.meta.dirname, '../../..');
const STAGES = ['integration', 'hostile', 'e2e'] as const;

interface ProjectTest {
  name: string;
  include?: string[];
  exclude?: string[];
  maxWorkers?: number;
  fileParallelism?: boolean;
}

const projects = (config.test?.projects ?? []) as Array<{ test: ProjectTest }>;
const project = (name: string): ProjectTest => {
  const found = projects.find((p) => p.test.name === name);
  if (!found) throw new Error(`no vitest project named ${name}`);
  return found.test;
};

/** Test files under a folder (recursively), repo-relative. */
function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

describe('vitest projects of the QEMU stages', () => {
  it.each(STAGES)('%s: one project, two files at a time (no one-at-a-time part)', (stage) => {
    expect(project(stage).maxWorkers).toBe(2);
    expect(project(stage).fileParallelism).not.toBe(false);
    expect(project(stage).exclude ?? []).toEqual([]);
    expect(projects.map((p) => p.test.name).filter((n) => n.startsWith(`${stage}-`))).toEqual([]);
  });

  it.each(STAGES)('%s: every file that uses the host libvirtd sets it up under the lock, in a beforeAll, before anything else', (stage) => {
    const libvirtFiles = testFiles(join(root, 'test', stage)).filter((f) => /helpers\/libvirt-(host|suite)(\.js)?['"]/.test(readFileSync(join(root, f), 'utf8')));
    expect(libvirtFiles.length, `no libvirt test file found under test/${stage}`).toBeGreaterThan(0);
    // Either its own beforeAll opens with the lock, or useLibvirtSuite's does (checked below).
    const FIRST = /beforeAll\(async \(\) => \{\n\s+await ensureLibvirt\(\);\n/;
    for (const f of libvirtFiles) expect(readFileSync(join(root, f), 'utf8'), f).toMatch(new RegExp(`${FIRST.source}|\\buseLibvirtSuite\\(`));
    expect(readFileSync(join(root, 'test/helpers/libvirt-suite.ts'), 'utf8')).toMatch(FIRST);
  });

  it('npm test runs every project of a stage (<stage>*)', () => {
    const script = readFileSync(join(root, 'scripts/test.js'), 'utf8');
    expect(script).toMatch(/'--project', `\$\{project\}\*`/);
  });
});

describe('the order files start in', () => {
  it('vitest uses the longest-first sequencer', () => {
    expect(config.test?.sequence?.sequencer).toBe(LongestFirstSequencer);
  });

  it('test/file-durations.json names only test files that exist, each with a duration in seconds', () => {
    const seconds = measuredDurations();
    expect(seconds.size).toBeGreaterThan(0);
    for (const [f, s] of seconds) {
      expect(existsSync(join(root, f)), f).toBe(true);
      expect(s, f).toBeGreaterThan(0);
    }
  });

  it('one project after another; within one, the longest measured first, then files not measured yet, largest first', () => {
    const files = [
      { project: 'integration', path: 'short.test.ts', size: 900 },
      { project: 'e2e', path: 'e.test.ts', size: 1 },
      { project: 'integration', path: 'long.test.ts', size: 10 },
      { project: 'integration', path: 'new-small.test.ts', size: 5 },
      { project: 'integration', path: 'new-big.test.ts', size: 50 },
    ];
    const seconds = new Map([['short.test.ts', 3], ['long.test.ts', 140], ['e.test.ts', 9]]);
    expect(longestFirst(files, (f) => f, seconds, (f) => f.size).map((f) => f.path)).toEqual(['e.test.ts', 'long.test.ts', 'short.test.ts', 'new-big.test.ts', 'new-small.test.ts']);
  });
});
