// The corpus is only as good as its checks: prove that a changed file, a new file and a process left
// behind are each caught (so a broken protection fails a case instead of passing unnoticed).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffTrees, snapshotTree } from './support/library-snapshot.js';
import { killProcesses, leftoverProcesses, qemuProcesses } from './support/process-watch.js';
import { spawnHangar } from '../helpers/cli-runner.js';

describe('hostile corpus: the checks themselves', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-selfcheck-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a snapshot diff names a changed, an added and a removed file', () => {
    writeFileSync(join(dir, 'vm.json'), '{"a":1}');
    writeFileSync(join(dir, 'gone'), 'x');
    const before = snapshotTree(dir);
    writeFileSync(join(dir, 'vm.json'), '{"a":2}');
    writeFileSync(join(dir, '.vm.json.0123456789ab.tmp'), 'half');
    rmSync(join(dir, 'gone'));
    const diff = diffTrees(before, snapshotTree(dir));
    expect(diff).toHaveLength(3);
    expect(diff.join('\n')).toMatch(/^~ vm\.json: file 644 7 [0-9a-f]{64} => file 644 7 [0-9a-f]{64}$/m);
    expect(diff.join('\n')).toMatch(/^\+ \.vm\.json\.0123456789ab\.tmp /m);
    expect(diff.join('\n')).toMatch(/^- gone /m);
  });

  it('a qemu-img left running is found (and can be killed)', async () => {
    // A stand-in that stays alive under its own name (a shell would exec sleep and lose it).
    const fake = join(dir, 'qemu-img');
    writeFileSync(fake, 'setTimeout(() => undefined, 30_000);\n');
    const before = qemuProcesses([dir]);
    const child = spawn(process.execPath, [fake, 'create', join(dir, 'x.qcow2')], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const left = await leftoverProcesses(before, [dir], 300);
    expect(left.map((p) => p.pid)).toEqual([child.pid]);
    killProcesses(left);
    await new Promise((r) => child.once('exit', r));
    expect(await leftoverProcesses(before, [dir], 0)).toEqual([]);
  });

  it("a CLI's background engine left running is found by the library its command line names", async () => {
    const runtimeBase = mkdtempSync('/tmp/hgs-');
    try {
      const libraryDir = join(dir, 'library');
      const env = { ...process.env, XDG_RUNTIME_DIR: runtimeBase, HANGAR_LIBRARY: libraryDir, HANGAR_ENGINE_IDLE_TIMEOUT: '600' };
      const before = qemuProcesses([dir]);
      const listed = await spawnHangar({ root: dir, libraryDir, runtimeBase, env, cleanup: () => undefined }, 'list');
      expect(listed.code).toBe(0);
      // Detached and no longer our descendant once its CLI exited: found by the library path alone.
      const left = await leftoverProcesses(before, [dir], 300);
      expect(left).toHaveLength(1);
      expect(left[0]!.cmd).toMatch(/__background-engine$/);
      killProcesses(left);
      expect(await leftoverProcesses(before, [dir], 5000)).toEqual([]);
    } finally {
      rmSync(runtimeBase, { recursive: true, force: true });
    }
  });
});
