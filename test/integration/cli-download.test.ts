import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOWNLOAD_CATALOG, findDownloadEntry } from '../../src-shared/os-downloads/index.js';
import { spawnHangar as hangar } from '../helpers/cli-runner.js';
import type { TestEnv } from '../helpers/engine-harness.js';
import { payload, useMirroredTestEnv, type DownloadServer } from '../helpers/download-server.js';

// `hangar os` and `hangar download` through the built CLI and its background engine, the catalog served by a
// local HTTP server in the test (HANGAR_DOWNLOAD_MIRROR rewrites the origin of every catalog URL).
describe('hangar os / hangar download (built bundle, local mirror)', () => {
  let t: TestEnv;
  let server: DownloadServer;
  const entry = findDownloadEntry('debian-12-cloud-amd64')!;
  const media = (): string => t.env['HANGAR_MEDIA_DIR']!;

  useMirroredTestEnv((env, mirror) => {
    t = env;
    server = mirror;
  });

  it('os list prints every catalog entry; --json is the catalog', async () => {
    const r = await hangar(t, 'os', 'list');
    expect(r.code).toBe(0);
    for (const e of DOWNLOAD_CATALOG) expect(r.stdout).toContain(e.id);
    expect(r.stdout).toMatch(/^ID +KIND +ARCH +SIZE +NAME\n/);
    const j = JSON.parse((await hangar(t, 'os', 'list', '--json')).stdout);
    expect(j).toMatchObject({ source: 'built-in', version: 1 });
    expect(j.entries.map((e: { id: string }) => e.id)).toEqual(DOWNLOAD_CATALOG.map((e) => e.id));
  });

  it('download ID fetches through the mirror, verifies, prints the path; a wrong checksum exits 1 and leaves no file; os media/clean', async () => {
    const p = payload(2 * 1024 * 1024);
    server.files.set(new URL(entry.url).pathname, { body: p.body, dropAfter: 700_000 });
    server.files.set(new URL(entry.verify.checksumUrl).pathname, { body: Buffer.from(`${p.sha512}  ${entry.fileName}\n`) });
    const ok = await hangar(t, 'download', entry.id);
    expect(ok.code, ok.stderr).toBe(0);
    const path = join(media(), entry.fileName);
    expect(ok.stdout).toBe(`${path}\n`);
    expect(ok.stderr).toMatch(/note: checksum only: the distribution publishes no signature for it/);
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(p.sha256);

    const info = await hangar(t, 'os', 'media', '--json');
    expect(JSON.parse(info.stdout)).toMatchObject({ path: media(), bytes: p.body.length, files: [{ name: entry.fileName, partial: false }] });
    const clean = await hangar(t, 'os', 'clean');
    expect(clean.stdout).toBe('removed 1 file, 2 MiB freed\n');
    expect(readdirSync(media())).toEqual([]);

    server.files.set(new URL(entry.verify.checksumUrl).pathname, { body: Buffer.from(`${'d'.repeat(128)}  ${entry.fileName}\n`) });
    const bad = await hangar(t, 'download', entry.id);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/hangar: debian-12-generic-amd64\.qcow2 does not match its sha512 checksum \(expected d{128}, got [0-9a-f]{128}\): the download was deleted\n$/);
    expect(readdirSync(media())).toEqual([]);
    expect(existsSync(path)).toBe(false);
  });

  it('download URL --sha256 --to DIR puts the verified file there', async () => {
    const p = payload(300_000);
    server.files.set('/pub/tool.iso', { body: p.body });
    const r = await hangar(t, 'download', `${server.origin}/pub/tool.iso`, '--sha256', p.sha256, '--to', t.root);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${join(t.root, 'tool.iso')}\n`);
  });
});
