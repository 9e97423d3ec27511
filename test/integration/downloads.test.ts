import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError, type VmEventBody } from '../../src-shared/contract/index.js';
import { execFileSync } from 'node:child_process';
import { findDownloadEntry } from '../../src-shared/os-downloads/index.js';
import { CATALOG_UPDATE_URL } from '../../src-main/engine/downloads/catalog-source.js';
import { DownloadService } from '../../src-main/engine/downloads/download-service.js';
import { JobRegistry } from '../../src-main/engine/jobs/job-registry.js';
import { canJobMove } from '../../src-shared/job-status.js';
import { payload, startDownloadServer, type DownloadServer } from '../helpers/download-server.js';

// Downloads against a local HTTP server in the test: the real service, files and sockets; only the origin is the
// mirror's (HANGAR_DOWNLOAD_MIRROR), as a user's mirror preference would rewrite it.

const entry = findDownloadEntry('debian-12-cloud-amd64')!;
const entryPath = new URL(entry.url).pathname;
const listPath = new URL(entry.verify.checksumUrl).pathname;

let server: DownloadServer;
let dir: string;
let events: Array<{ id: string; body: VmEventBody }>;

beforeAll(async () => {
  server = await startDownloadServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-dl-'));
  events = [];
  server.files.clear();
  server.requests.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function service(env: Record<string, string> = {}): DownloadService {
  return new DownloadService({
    jobs: new JobRegistry(),
    emit: (id, body) => events.push({ id, body }),
    log: () => undefined,
    env: { HOME: dir, HANGAR_DOWNLOAD_MIRROR: server.origin, ...env },
    mediaDir: join(dir, 'installation-media'),
  });
}

function serveEntry(body: Buffer, sha512: string, extra: Partial<Parameters<DownloadServer['files']['set']>[1]> = {}): void {
  server.files.set(entryPath, { body, ...extra });
  server.files.set(listPath, { body: Buffer.from(`${'0'.repeat(128)}  debian-12-generic-arm64.qcow2\n${sha512}  ${entry.fileName}\n`) });
}

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

async function rejection(p: Promise<unknown>): Promise<EngineError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  return err as EngineError;
}

describe('downloads from a local mirror', () => {
  it('fetches a catalog entry, verifies it against the checksum list (checksum only: unsigned), lands it 0700 in Installation media, progress as a download job', async () => {
    const p = payload(2 * 1024 * 1024 + 123);
    serveEntry(p.body, p.sha512);
    const r = await service().download({ source: entry.id });
    expect(r.path).toBe(join(dir, 'installation-media', entry.fileName));
    expect(r.verification).toBe('checksum-only');
    expect(await sha256Of(r.path)).toBe(p.sha256);
    expect((await stat(join(dir, 'installation-media'))).mode & 0o777).toBe(0o700);
    // The file and its hidden verification record (what it was verified as).
    expect((await readdir(join(dir, 'installation-media'))).sort()).toEqual([`.${entry.fileName}.verified.json`, entry.fileName]);
    const jobs = events.map((e) => e.body).filter((b) => b.type === 'vm.job');
    expect(jobs[0]).toMatchObject({ kind: 'download', status: 'running', subject: entry.name });
    expect(jobs.at(-1)).toMatchObject({ kind: 'download', status: 'concluded', percent: 100 });
    // A second request uses the verified file without the network.
    server.requests.length = 0;
    expect((await service().download({ source: entry.id })).verification).toBe('already-verified');
    expect(server.requests).toEqual([]);
  });

  it('a connection dropped mid-file is resumed with Range + If-Range and ends with the right checksum', async () => {
    const p = payload(3 * 1024 * 1024);
    serveEntry(p.body, p.sha512, { dropAfter: 1024 * 1024 + 7 });
    const r = await service().download({ source: entry.id });
    expect(await sha256Of(r.path)).toBe(p.sha256);
    const gets = server.requests.filter((q) => q.path === entryPath);
    expect(gets).toHaveLength(2);
    expect(gets[1]!.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(gets[1]!.range!)![0])).toBeGreaterThan(0);
    expect(gets[1]!.ifRange).toMatch(/^"/);
  });

  it('a dropped run leaves a .part and its sidecar; the next run (a restart) carries on from there', async () => {
    const p = payload(3 * 1024 * 1024);
    serveEntry(p.body, p.sha512, { dropEvery: 512 * 1024 });
    const err = await rejection(service().download({ source: entry.id }));
    // One run tries the link four times (three resumes), 512 KiB each.
    expect(err.message).toMatch(/dropped at [\d.]+ MiB of 3\.0 MiB.*resumes/);
    const media = join(dir, 'installation-media');
    expect((await readdir(media)).sort()).toEqual([`${entry.fileName}.part`, `${entry.fileName}.part.json`]);
    const kept = (await stat(join(media, `${entry.fileName}.part`))).size;
    expect(kept).toBeGreaterThan(1024 * 1024);
    serveEntry(p.body, p.sha512);
    server.requests.length = 0;
    const r = await service().download({ source: entry.id });
    expect(await sha256Of(r.path)).toBe(p.sha256);
    expect(server.requests.find((q) => q.path === entryPath)!.range).toBe(`bytes=${kept}-`);
    expect((await readdir(media)).filter((n) => !n.startsWith('.'))).toEqual([entry.fileName]);
  });

  it('pause keeps the part; downloading again resumes to the right checksum', async () => {
    const p = payload(4 * 1024 * 1024);
    serveEntry(p.body, p.sha512, { rate: 4 * 1024 * 1024 });
    const s = service();
    const jobId = 'dl-pause-1';
    const first = s.download({ source: entry.id, jobId }, (pr) => {
      if (pr.receivedBytes > 512 * 1024) s.pause(jobId);
    });
    const err = await rejection(first);
    expect(err.details).toMatchObject({ paused: true });
    const part = join(dir, 'installation-media', `${entry.fileName}.part`);
    const kept = (await stat(part)).size;
    expect(kept).toBeGreaterThan(0);
    server.files.get(entryPath)!.rate = undefined;
    server.requests.length = 0;
    const r = await s.download({ source: entry.id });
    expect(await sha256Of(r.path)).toBe(p.sha256);
    expect(server.requests.find((q) => q.path === entryPath)!.range).toBe(`bytes=${kept}-`);
  });

  it('a paused download reports paused (not failed) and resumes under the same job id: every status move is a legal one', async () => {
    const p = payload(4 * 1024 * 1024);
    serveEntry(p.body, p.sha512, { rate: 4 * 1024 * 1024 });
    const s = service();
    const jobId = 'dl-pause-2';
    const err = await rejection(s.download({ source: entry.id, jobId }, (pr) => pr.receivedBytes > 512 * 1024 && s.pause(jobId)));
    expect(err.details).toMatchObject({ paused: true, jobId });
    const statuses = () => events.flatMap((e) => (e.body.type === 'vm.job' && e.body.jobId === jobId ? [e.body.status] : []));
    expect(statuses().at(-1)).toBe('paused');
    expect(events.at(-1)!.body).toMatchObject({ type: 'vm.job', kind: 'download', status: 'paused' });
    expect((events.at(-1)!.body as { cancelled?: boolean }).cancelled).toBeUndefined();
    server.files.get(entryPath)!.rate = undefined;
    server.requests.length = 0;
    const r = await s.resume(jobId);
    expect(r.jobId).toBe(jobId);
    expect(await sha256Of(r.path)).toBe(p.sha256);
    expect(server.requests.find((q) => q.path === entryPath)!.range).toMatch(/^bytes=\d+-$/);
    const seen = statuses();
    expect(seen.at(-1)).toBe('concluded');
    for (let i = 1; i < seen.length; i++) expect(canJobMove(seen[i - 1]!, seen[i]!), `${seen[i - 1]} → ${seen[i]}`).toBe(true);
    // Resumed once: there is nothing paused under that id any more.
    expect((await rejection(s.resume(jobId))).code).toBe('not-found');
  });

  it('a paused download downloaded again under another job id: the paused job ends (superseded), the new one carries its part on', async () => {
    const p = payload(4 * 1024 * 1024);
    serveEntry(p.body, p.sha512, { rate: 4 * 1024 * 1024 });
    const s = service();
    await rejection(s.download({ source: entry.id, jobId: 'dl-old' }, (pr) => pr.receivedBytes > 512 * 1024 && s.pause('dl-old')));
    server.files.get(entryPath)!.rate = undefined;
    server.requests.length = 0;
    const r = await s.download({ source: entry.id, jobId: 'dl-new' });
    expect(await sha256Of(r.path)).toBe(p.sha256);
    expect(server.requests.find((q) => q.path === entryPath)!.range).toMatch(/^bytes=\d+-$/);
    const old = events.flatMap((e) => (e.body.type === 'vm.job' && e.body.jobId === 'dl-old' ? [e.body] : []));
    expect(old.at(-1)).toMatchObject({ status: 'failed', cancelled: true, error: expect.stringMatching(/another download/) });
    expect((await rejection(s.resume('dl-old'))).code).toBe('not-found');
  });

  it('a server that ignores Range: starts over from byte 0 and still verifies', async () => {
    const p = payload(3 * 1024 * 1024);
    serveEntry(p.body, p.sha512, { dropAfter: 1024 * 1024, ignoreRange: true });
    const r = await service().download({ source: entry.id });
    expect(await sha256Of(r.path)).toBe(p.sha256);
  });

  it('a file changed on the server (new ETag): If-Range makes it send the whole new file, never a splice', async () => {
    const old = payload(3 * 1024 * 1024);
    serveEntry(old.body, old.sha512, { dropEvery: 256 * 1024, etag: '"v1"' });
    await rejection(service().download({ source: entry.id }));
    const fresh = payload(3 * 1024 * 1024);
    serveEntry(fresh.body, fresh.sha512, { etag: '"v2"' });
    const r = await service().download({ source: entry.id });
    expect(await sha256Of(r.path)).toBe(fresh.sha256);
  });

  it('a wrong checksum: refused with a message naming both sums, and no file is left', async () => {
    const p = payload(1024 * 1024);
    serveEntry(p.body, 'f'.repeat(128));
    const err = await rejection(service().download({ source: entry.id }));
    expect(err.message).toContain(`${entry.fileName} does not match its sha512 checksum`);
    expect(err.message).toContain('deleted');
    expect(await readdir(join(dir, 'installation-media'))).toEqual([]);
    expect(events.map((e) => e.body).at(-1)).toMatchObject({ type: 'vm.job', status: 'failed' });
  });

  it('a checksum list that lists another file only: refused before any byte of the file is fetched', async () => {
    const p = payload(1024);
    server.files.set(entryPath, { body: p.body });
    server.files.set(listPath, { body: Buffer.from(`${p.sha512}  debian-12-generic-arm64.qcow2\n`) });
    const err = await rejection(service().download({ source: entry.id }));
    expect(err.message).toContain(`does not list ${entry.fileName}`);
    expect(server.requests.some((q) => q.path === entryPath)).toBe(false);
  });

  it('a file already in the folder under a catalog file\'s name but not verified as that entry is checked, and refused untouched when it differs', async () => {
    const p = payload(100_000);
    serveEntry(p.body, p.sha512);
    const media = join(dir, 'installation-media');
    const planted = join(media, entry.fileName);
    // A URL download (with the user's own sha256) under the catalog file's name: not the distribution's file.
    server.files.set('/other/debian-12-generic-amd64.qcow2', { body: Buffer.from('not debian') });
    await service().download({ source: `${server.origin}/other/debian-12-generic-amd64.qcow2`, sha256: createHash('sha256').update('not debian').digest('hex') });
    const err = await rejection(service().ensureDownloaded(entry.id));
    expect(err.message).toContain(`${planted} already exists and does not match debian-12-cloud-amd64's sha512 checksum`);
    expect(await readFile(planted, 'utf8')).toBe('not debian');
    // The right bytes put there by hand are checked once, then recorded.
    await writeFile(planted, p.body);
    expect(await service().ensureDownloaded(entry.id)).toBe(planted);
    server.requests.length = 0;
    expect(await service({ HANGAR_OFFLINE: '1' }).ensureDownloaded(entry.id)).toBe(planted);
    expect(server.requests).toEqual([]);
  });

  it('a part file that is a link is never written through', async () => {
    const p = payload(100_000);
    serveEntry(p.body, p.sha512);
    const media = join(dir, 'installation-media');
    await service().folderInfo();
    const { mkdir, symlink } = await import('node:fs/promises');
    await mkdir(media, { recursive: true, mode: 0o700 });
    await writeFile(join(dir, 'victim'), 'keep');
    await symlink(join(dir, 'victim'), join(media, `${entry.fileName}.part`));
    await rejection(service().download({ source: entry.id }));
    expect(await readFile(join(dir, 'victim'), 'utf8')).toBe('keep');
  });

  it('a redirect loop ends with a clear error', async () => {
    const err = await rejection(service().download({ source: `${server.origin}/loop`, sha256: 'a'.repeat(64) }));
    expect(err.message).toMatch(/too many redirects .*loop/);
  });

  it('a redirect from a mirror is followed to the file', async () => {
    const p = payload(100_000);
    server.files.set('/real/file.iso', { body: p.body });
    const r = await service().download({ source: `${server.origin}/redirect-to/real/file.iso`, sha256: p.sha256, to: dir });
    expect(r).toMatchObject({ path: join(dir, 'file.iso'), verification: 'user-sha256' });
  });

  it('a Content-Length larger than the free space (10 GiB or more) is refused before the first byte is written', async () => {
    const free = (await statfs(dir)).bavail * (await statfs(dir)).bsize;
    const claim = Math.max(10 * 1024 ** 3, free + 1024 ** 3);
    const p = payload(64 * 1024);
    serveEntry(p.body, p.sha512, { claimLength: claim });
    const err = await rejection(service().download({ source: entry.id }));
    expect(err.message).toMatch(/not enough free space .* needs \d+\.\d GiB more/);
    expect(err.details).toMatchObject({ reason: 'no-space' });
    const left = await readdir(join(dir, 'installation-media'));
    for (const f of left) if (f.endsWith('.part')) expect((await stat(join(dir, 'installation-media', f))).size).toBe(0);
  });

  it('offline: a file not yet downloaded is refused without touching the network; a downloaded one is still returned', async () => {
    const p = payload(1000);
    serveEntry(p.body, p.sha512);
    const err = await rejection(service({ HANGAR_OFFLINE: '1' }).download({ source: entry.id }));
    expect(err.message).toMatch(/offline/);
    expect(server.requests).toEqual([]);
    await service().download({ source: entry.id });
    server.requests.length = 0;
    expect(await service({ HANGAR_OFFLINE: '1' }).ensureDownloaded(entry.id)).toBe(join(dir, 'installation-media', entry.fileName));
    expect(server.requests).toEqual([]);
  });

  it('cancel deletes the part; the folder size and clean see what is there', async () => {
    const p = payload(4 * 1024 * 1024);
    serveEntry(p.body, p.sha512, { rate: 2 * 1024 * 1024 });
    const jobs = new JobRegistry();
    const s = new DownloadService({ jobs, emit: (id, body) => events.push({ id, body }), log: () => undefined, env: { HOME: dir, HANGAR_DOWNLOAD_MIRROR: server.origin }, mediaDir: join(dir, 'installation-media') });
    const run = s.download({ source: entry.id, jobId: 'dl-cancel' }, (pr) => {
      if (pr.receivedBytes > 256 * 1024) jobs.cancel('dl-cancel');
    });
    const err = await rejection(run);
    expect(err.details).toMatchObject({ cancelled: true });
    expect(await readdir(join(dir, 'installation-media'))).toEqual([]);
    await writeFile(join(dir, 'installation-media', 'old.iso'), Buffer.alloc(5000));
    expect(await s.folderInfo()).toMatchObject({ bytes: 5000, files: [{ name: 'old.iso', bytes: 5000, partial: false }] });
    expect(await s.clean()).toEqual({ freedBytes: 5000, removed: 1, inUse: [] });
    expect((await s.folderInfo()).bytes).toBe(0);
  });

  it('a direct URL: http only with --sha256, file:// never, a URL without a plain file name refused', async () => {
    const s = service();
    expect((await rejection(s.download({ source: `${server.origin}/x.iso` }))).message).toMatch(/only https/);
    expect((await rejection(s.download({ source: 'file:///etc/passwd', sha256: 'a'.repeat(64) }))).message).toMatch(/only https/);
    expect((await rejection(s.download({ source: `${server.origin}/..%2F..%2Fetc%2Fpasswd`, sha256: 'a'.repeat(64) }))).message).toMatch(/plain file name/);
    expect((await rejection(s.download({ source: `${server.origin}/.bashrc`, sha256: 'a'.repeat(64) }))).message).toMatch(/plain file name/);
  });

  it('an unknown catalog id is not-found, naming hangar os list', async () => {
    const err = await rejection(service().download({ source: 'plan9-4-cloud' }));
    expect(err.code).toBe('not-found');
    expect(err.message).toContain('hangar os list');
  });

  describe('signed checksum lists (gpgv with a key made here)', () => {
    let gnupg: string;
    let fpr: string;
    let signList: (text: string) => Buffer;
    beforeAll(() => {
      gnupg = execFileSync('mktemp', ['-d', join(tmpdir(), 'hangar-gpg-XXXXXX')]).toString().trim();
      const gpg = (...args: string[]): string => execFileSync('gpg', ['--homedir', gnupg, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
      gpg('--quick-gen-key', 'Hangar Test CD Key <cd@test.invalid>', 'ed25519', 'sign', 'never');
      fpr = /^fpr:+([0-9A-F]{40}):/m.exec(gpg('--with-colons', '--list-keys'))![1]!;
      execFileSync('sh', ['-c', 'gpg --homedir "$1" --export > "$1/keyring.gpg"', 'sh', gnupg]);
      signList = (text: string) => {
        execFileSync('sh', ['-c', 'cat > "$1/list"', 'sh', gnupg], { input: text });
        gpg('--yes', '--armor', '--detach-sign', '-o', join(gnupg, 'list.sig'), join(gnupg, 'list'));
        return readFileSync(join(gnupg, 'list.sig'));
      };
    });
    afterAll(() => {
      execFileSync('rm', ['-rf', gnupg]);
    });

    async function signedSetup(listText: string, sigFor: string): Promise<DownloadService> {
      const signed = { ...entry, verify: { ...entry.verify, signatureUrl: `${entry.verify.checksumUrl}.sign`, signingKey: fpr } };
      server.files.set(new URL(CATALOG_UPDATE_URL).pathname, { body: Buffer.from(JSON.stringify({ version: 50, entries: [signed] })) });
      server.files.set(listPath, { body: Buffer.from(listText) });
      server.files.set(`${listPath}.sign`, { body: signList(sigFor) });
      const s = service({ HANGAR_GPG_KEYRING: join(gnupg, 'keyring.gpg') });
      expect(await s.updateCatalog(AbortSignal.timeout(30_000))).toMatchObject({ version: 50, source: 'fetched' });
      return s;
    }

    it('a list signed by the entry\'s key: verified as signed-checksum', async () => {
      const p = payload(200_000);
      server.files.set(entryPath, { body: p.body });
      const list = `${p.sha512}  ${entry.fileName}\n`;
      const r = await (await signedSetup(list, list)).download({ source: entry.id });
      expect(r.verification).toBe('signed-checksum');
      expect(r.note).toBeUndefined();
    });

    it('a list altered after signing: refused as a bad signature, no file fetched', async () => {
      const p = payload(200_000);
      server.files.set(entryPath, { body: p.body });
      const err = await rejection((await signedSetup(`${p.sha512}  ${entry.fileName}\n`, `${'0'.repeat(128)}  ${entry.fileName}\n`)).download({ source: entry.id }));
      expect(err.message).toMatch(/signature is bad: the list was altered/);
      expect(server.requests.some((q) => q.path === entryPath)).toBe(false);
      expect(await readdir(join(dir, 'installation-media'))).toEqual([]);
    });

    it('without the key in any keyring: checksum only, and it says so', async () => {
      const p = payload(200_000);
      server.files.set(entryPath, { body: p.body });
      const list = `${p.sha512}  ${entry.fileName}\n`;
      const s = await signedSetup(list, list);
      const noKey = new DownloadService({ jobs: new JobRegistry(), emit: () => undefined, log: () => undefined, env: { HOME: dir, HANGAR_DOWNLOAD_MIRROR: server.origin }, mediaDir: s.mediaDir });
      const r = await noKey.download({ source: entry.id });
      expect(r.verification).toBe('checksum-only');
      expect(r.note).toMatch(/^checksum only: /);
    });
  });
});
