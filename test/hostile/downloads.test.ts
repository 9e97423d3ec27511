// A hostile mirror: catalog updates and checksum lists (cases/download-cases.ts) against the real download service
// and a local HTTP server. Every row is refused with its message; the built-in catalog stays in use and the
// Installation media folder keeps no file.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDownloadEntry, DOWNLOAD_CATALOG_VERSION } from '../../src-shared/os-downloads/index.js';
import { CATALOG_UPDATE_URL } from '../../src-main/engine/downloads/catalog-source.js';
import { DownloadService } from '../../src-main/engine/downloads/download-service.js';
import { JobRegistry } from '../../src-main/engine/jobs/job-registry.js';
import { payload, startDownloadServer, type DownloadServer } from '../helpers/download-server.js';
import { catalogUpdateCases, checksumListCases } from './cases/download-cases.js';

const entry = findDownloadEntry('debian-12-cloud-amd64')!;
let server: DownloadServer;
let dir: string;

beforeAll(async () => {
  server = await startDownloadServer();
  dir = await mkdtemp(join(tmpdir(), 'hangar-hostile-dl-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  server.files.clear();
  await rm(join(dir, 'media'), { recursive: true, force: true });
  await rm(join(dir, 'download-catalog.json'), { force: true });
});

function service(): DownloadService {
  return new DownloadService({ jobs: new JobRegistry(), emit: () => undefined, log: () => undefined, env: { HOME: dir, HANGAR_DOWNLOAD_MIRROR: server.origin }, mediaDir: join(dir, 'media') });
}

describe('hostile input: catalog updates', () => {
  it('has one case per id', () => {
    expect(new Set(catalogUpdateCases.map((c) => c.id)).size).toBe(catalogUpdateCases.length);
  });
  for (const c of catalogUpdateCases) {
    it(`${c.id}: ${c.title}`, async () => {
      server.files.set(new URL(CATALOG_UPDATE_URL).pathname, { body: Buffer.from(c.body()) });
      const s = service();
      const err = await s.updateCatalog(AbortSignal.timeout(30_000)).then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(c.message);
      expect(err?.message).toMatch(/the built-in catalog stays in use/);
      const active = await s.catalog();
      expect(active).toMatchObject({ source: 'built-in', version: DOWNLOAD_CATALOG_VERSION });
      expect(await readdir(dir)).not.toContain('download-catalog.json');
    });
  }
  it('a valid, newer update is taken (the rows above fail for their own reason only)', async () => {
    server.files.set(new URL(CATALOG_UPDATE_URL).pathname, { body: Buffer.from(JSON.stringify({ version: 99, entries: [entry] })) });
    const s = service();
    expect(await s.updateCatalog(AbortSignal.timeout(30_000))).toMatchObject({ version: 99, source: 'fetched' });
    expect((await s.catalog()).entries.map((e) => e.id)).toEqual([entry.id]);
  });
});

describe('hostile input: checksum lists', () => {
  it('has one case per id', () => {
    expect(new Set(checksumListCases.map((c) => c.id)).size).toBe(checksumListCases.length);
  });
  for (const c of checksumListCases) {
    it(`${c.id}: ${c.title}`, async () => {
      const p = payload(300_000);
      server.files.set(new URL(entry.url).pathname, { body: p.body });
      server.files.set(new URL(entry.verify.checksumUrl).pathname, { body: Buffer.from(c.list(p.sha512, entry.fileName)) });
      const err = await service().download({ source: entry.id }).then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(c.message);
      expect(await readdir(join(dir, 'media')).catch(() => [])).toEqual([]);
    });
  }
});
