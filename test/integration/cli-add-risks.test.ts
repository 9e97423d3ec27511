import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newVmDocument, serializeVmDocument } from '../../src-shared/vm-document/index.js';
import { spawnHangar as hangar } from '../helpers/cli-runner.js';
import { useTestEnv, type TestEnv } from '../helpers/engine-harness.js';

describe('hangar add: a bundle that reaches outside its folder needs --accept-risks', () => {
  let t: TestEnv;
  useTestEnv((env) => (t = env));

  it('refuses and names what it found, adds nothing; with --accept-risks adds it unchanged', async () => {
    const marker = join(t.root, 'spawned');
    const dir = join(t.root, 'from a stranger.hangar');
    mkdirSync(dir);
    const doc = newVmDocument({ id: randomUUID(), name: 'stranger', now: new Date().toISOString(), mac: '52:54:00:12:34:56' });
    const bad = { ...doc, disks: [{ id: 'disk0', path: '/var/tmp/elsewhere.qcow2', format: 'qcow2' as const, bus: 'sata' as const, readOnly: false, discard: false }], bootOrder: ['disk0'], cdroms: [], extraArgs: ['-incoming', `exec:touch ${marker}`] };
    writeFileSync(join(dir, 'vm.json'), serializeVmDocument(bad));

    const refused = await hangar(t, 'add', dir);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      'hangar: not added: this bundle reaches outside its folder:\n' +
        `  - extra QEMU arguments: -incoming exec:touch ${marker}\n` +
        '  - disk disk0 is a file outside the bundle: /var/tmp/elsewhere.qcow2\n' +
        'hangar: add it only if you trust where it came from: hangar add --accept-risks PATH\n',
    );
    expect(JSON.parse((await hangar(t, 'list', '--json')).stdout)).toEqual([]);

    const added = await hangar(t, 'add', '--accept-risks', dir);
    expect(added).toMatchObject({ code: 0, stderr: '', stdout: `${doc.id}\n` });
    const info = JSON.parse((await hangar(t, 'info', doc.id, '--json')).stdout);
    expect(info.extraArgs).toEqual(['-incoming', `exec:touch ${marker}`]);
    expect(existsSync(marker)).toBe(false);
  });
});
