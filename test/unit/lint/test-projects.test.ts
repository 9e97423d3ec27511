// The QEMU stages run two test files at a time (vitest.config.ts). A file that sets up the host's one libvirtd
// (test/helpers/libvirt-host.ts, no lock) must not overlap another: it belongs to its stage's -serial project, and
// npm test must run that project too.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import config from '../../../vitest.config.js';

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
  it.each(STAGES)('%s: two files at a time, its -serial project one at a time', (stage) => {
    expect(project(stage).maxWorkers).toBe(2);
    expect(project(stage).fileParallelism).not.toBe(false);
    expect(project(`${stage}-serial`).fileParallelism).toBe(false);
  });

  it.each(STAGES)('%s: every file that uses the host libvirtd runs in the -serial project, and nothing else does', (stage) => {
    const libvirtFiles = testFiles(join(root, 'test', stage)).filter((f) => /helpers\/libvirt-host(\.js)?['"]/.test(readFileSync(join(root, f), 'utf8')));
    expect(libvirtFiles.length, `no libvirt test file found under test/${stage}`).toBeGreaterThan(0);
    const serial = project(`${stage}-serial`).include ?? [];
    expect([...serial].sort()).toEqual([...libvirtFiles].sort());
    expect([...(project(stage).exclude ?? [])].sort()).toEqual([...libvirtFiles].sort());
    for (const f of serial) expect(existsSync(join(root, f)), f).toBe(true);
  });

  it('npm test runs every project of a stage (<stage>*), -serial included', () => {
    const script = readFileSync(join(root, 'scripts/test.js'), 'utf8');
    expect(script).toMatch(/'--project', `\$\{project\}\*`/);
  });
});
