import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FsRoot } from '../../../src-shared/contract/index.js';
import { screenMessage } from '../../../src-main/serve/engine-relay.js';

// The browser host checks the archive paths of vm.export / vm.import like every other typed path.
describe('browser host: archive paths must lie inside the roots', () => {
  let root: string;
  let roots: () => Promise<FsRoot[]>;
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'hangar-archive-roots-')));
    roots = async () => [{ path: root, label: 'Home' }];
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    ['vm.export', { vm: 'x', path: '/etc/hangar-export.tar.gz' }],
    ['vm.import', { path: '/etc/shadow' }],
    ['vm.import', { path: 'relative.tar.gz' }],
  ])('refuses %s outside the roots', async (command, args) => {
    const r = await screenMessage(JSON.stringify({ type: 'request', id: 3, command, args }), { paths: { roots, libraryDir: root } });
    expect('reply' in r && JSON.parse(r.reply)).toMatchObject({ id: 3, ok: false, error: { code: 'invalid-args' } });
  });

  it('forwards an export into a root', async () => {
    const msg = { type: 'request', id: 4, command: 'vm.export', args: { vm: 'x', path: join(root, 'x.tar.gz') } };
    expect(await screenMessage(JSON.stringify(msg), { paths: { roots, libraryDir: root } })).toMatchObject({ forward: JSON.stringify(msg) });
  });
});
