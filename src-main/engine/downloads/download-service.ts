import { constants } from 'node:fs';
import { access, lstat, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import type { JobStatus } from '../../../src-shared/job-status.js';
import { EngineError, type VmEventBody } from '../../../src-shared/contract/index.js';
import type { DownloadCatalogEntry, ChecksumAlgorithm } from '../../../src-shared/os-downloads/types.js';
import { SAFE_FILE_NAME, urlFileName } from '../../../src-shared/os-downloads/entry-schema.js';
import { ensurePrivateDir } from '../storage/library-paths.js';
import type { JobRegistry } from '../jobs/job-registry.js';
import { CATALOG_UPDATE_URL, loadActiveCatalog, storeFetchedCatalog, type ActiveCatalog } from './catalog-source.js';
import { checksumFor, ChecksumListError } from './checksum-list.js';
import { httpOptionsFor, loadDownloadSettings, throughMirror, type DownloadSettings } from './download-settings.js';
import { httpGet, HttpError, readText } from './http-get.js';
import { formatSize, NoSpaceError, resumableFetch, type FetchProgress } from './resumable-fetch.js';
import { BadSignatureError, checkSignature, hashFile, type SignatureResult } from './verify-file.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface DownloadDeps {
  jobs: Pick<JobRegistry, 'start'>;
  emit(id: string, body: VmEventBody): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  env: Env;
  /** The Installation media folder (0700, created on first use). */
  mediaDir: string;
  /** Real paths of files machines use (a cloud machine's base image, an ISO in a CD drive): clean keeps them. */
  inUse?: () => Promise<ReadonlySet<string>>;
}

export interface DownloadRequest {
  /** A catalog id, or an https URL (http only with `sha256`). */
  source: string;
  sha256?: string;
  /** A folder to put the file in instead of the Installation media folder. */
  to?: string;
  jobId?: string;
}

/** `verification`: how the file was checked: against the distribution's list (signed or checksum only), the user's sha256, or not at all. */
export interface DownloadResult {
  jobId: string;
  path: string;
  bytes: number;
  verification: 'signed-checksum' | 'checksum-only' | 'user-sha256' | 'none' | 'already-verified';
  note?: string;
}

const LIST_LIMIT = 4 * 1024 * 1024;
const PART = '.part';

interface Plan {
  /** The catalog id or the URL asked for: a file's verification record names it. */
  source: string;
  fileName: string;
  dir: string;
  url: string;
  subject: string;
  allowHttp: boolean;
  expected: () => Promise<{ algorithm: ChecksumAlgorithm; hex: string; verification: DownloadResult['verification']; note?: string } | null>;
}

/**
 * Downloads OS media into the Installation media folder (or `to`): resumable, one job per file in the Jobs
 * indicator (`vm.job` kind `download`, the job id as its subject id), verified before it is renamed into place.
 */
export class DownloadService {
  /** Files being downloaded, by final path: a second request for one joins the first. */
  private readonly inflight = new Map<string, Promise<DownloadResult>>();
  private readonly paused = new Set<string>();
  /** Paused downloads by job id: what `resume` asks for again, and the file it is for. */
  private readonly resumable = new Map<string, { req: DownloadRequest; finalPath: string }>();
  private readonly controllers = new Map<string, AbortController>();

  constructor(private readonly deps: DownloadDeps) {}

  get mediaDir(): string {
    return this.deps.mediaDir;
  }

  settings(): Promise<DownloadSettings> {
    return loadDownloadSettings(this.deps.env, this.deps.mediaDir).catch((err: Error) => {
      throw new EngineError('invalid-args', err.message);
    });
  }

  catalog(): Promise<ActiveCatalog> {
    return loadActiveCatalog(this.deps.mediaDir);
  }

  async entry(id: string): Promise<DownloadCatalogEntry> {
    const e = (await this.catalog()).entries.find((x) => x.id === id);
    if (!e) throw new EngineError('not-found', `no OS download "${id}" in the catalog (hangar os list)`, { field: 'source' });
    return e;
  }

  /** Fetches a catalog update (through the mirror, if any) and keeps it when valid and newer. */
  async updateCatalog(signal: AbortSignal): Promise<ActiveCatalog> {
    const s = await this.settings();
    if (s.offline) throw new EngineError('invalid-state', 'Hangar is set to work offline: the catalog is not updated (the built-in copy is used)');
    const url = throughMirror(CATALOG_UPDATE_URL, s.mirror);
    const { res } = await httpGet(url, {}, signal, httpOptionsFor(s, s.mirror?.startsWith('http:') ?? false)).catch(wrapNet);
    if (res.statusCode !== 200) {
      res.resume();
      throw new EngineError('io', `the catalog update answered HTTP ${res.statusCode}; the built-in catalog stays in use`);
    }
    return storeFetchedCatalog(this.deps.mediaDir, await readText(res, LIST_LIMIT)).catch((err: Error) => {
      throw new EngineError('io', `${err.message}; the built-in catalog stays in use`);
    });
  }

  /**
   * The verified local file of a catalog entry, downloading it first when it is not in the Installation media folder.
   * What other services call (xi-cloud's `--cloud-image CATALOG-ID`): see ensure-downloaded.ts.
   */
  async ensureDownloaded(entryId: string, o: { onProgress?: (p: FetchProgress) => void; signal?: AbortSignal } = {}): Promise<string> {
    return (await this.download({ source: entryId }, o.onProgress, o.signal)).path;
  }

  async download(req: DownloadRequest, onProgress?: (p: FetchProgress) => void, outerSignal?: AbortSignal): Promise<DownloadResult> {
    const settings = await this.settings();
    const plan = await this.plan(req, settings);
    const finalPath = join(plan.dir, plan.fileName);
    this.supersedePaused(finalPath, req.jobId);
    const running = this.inflight.get(finalPath);
    if (running) return running;
    const p = this.run(plan, finalPath, settings, req.jobId, onProgress, outerSignal)
      .catch((err: unknown) => {
        const d = err instanceof EngineError ? (err.details as { paused?: boolean; jobId?: string } | undefined) : undefined;
        if (d?.paused && d.jobId) this.resumable.set(d.jobId, { req: { ...req, jobId: d.jobId }, finalPath });
        throw err;
      })
      .finally(() => this.inflight.delete(finalPath));
    this.inflight.set(finalPath, p);
    return p;
  }

  /** Carries on a paused download under its job id (its events go from `paused` back to `running`). */
  async resume(jobId: string, onProgress?: (p: FetchProgress) => void): Promise<DownloadResult> {
    const r = this.resumable.get(jobId);
    if (!r) throw new EngineError('not-found', `no paused download ${jobId} (it may have been resumed or superseded already)`, { field: 'jobId' });
    return this.download(r.req, onProgress);
  }

  /** A new download of a paused one's file carries its part file on: the paused job (under another id) is over. */
  private supersedePaused(finalPath: string, jobId: string | undefined): void {
    for (const [id, r] of this.resumable) {
      if (r.finalPath !== finalPath) continue;
      this.resumable.delete(id);
      if (id !== jobId) this.deps.emit(id, { type: 'vm.job', jobId: id, kind: 'download', status: 'failed', error: 'carried on by another download of the same file', cancelled: true });
    }
  }

  /** Ends a download but keeps its part file: the next request for it carries on from there. */
  pause(jobId: string): void {
    const c = this.controllers.get(jobId);
    if (!c) throw new EngineError('not-found', `no running download ${jobId}`, { field: 'jobId' });
    this.paused.add(jobId);
    c.abort(new DOMException('paused', 'AbortError'));
  }

  private async plan(req: DownloadRequest, s: DownloadSettings): Promise<Plan> {
    if (req.to !== undefined && !isAbsolute(req.to)) throw new EngineError('invalid-args', '--to must be an absolute folder', { field: 'to' });
    const dir = req.to ?? this.deps.mediaDir;
    if (/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(req.source) && !req.source.includes('/')) {
      const e = await this.entry(req.source);
      const listUrl = throughMirror(e.verify.checksumUrl, s.mirror);
      const sigUrl = e.verify.signatureUrl ? throughMirror(e.verify.signatureUrl, s.mirror) : null;
      const allowHttp = s.mirror?.startsWith('http:') ?? false;
      return {
        source: e.id,
        fileName: e.fileName,
        dir,
        url: throughMirror(e.url, s.mirror),
        subject: e.name,
        allowHttp,
        expected: async () => {
          const signal = AbortSignal.timeout(120_000);
          const opts = httpOptionsFor(s, allowHttp);
          const list = await this.fetchSmall(listUrl, signal, opts, 'checksum file');
          let sig: SignatureResult = { status: 'checksum-only', reason: 'the distribution publishes no signature for it' };
          if (sigUrl) sig = await checkSignature(list, await this.fetchSmall(sigUrl, signal, opts, 'signature'), e.verify.signingKey, this.deps.env);
          const hex = checksumFor(list.toString('utf8'), e.fileName, e.verify.algorithm);
          return sig.status === 'verified'
            ? { algorithm: e.verify.algorithm, hex, verification: 'signed-checksum' as const }
            : { algorithm: e.verify.algorithm, hex, verification: 'checksum-only' as const, note: `checksum only: ${sig.reason}` };
        },
      };
    }
    let u: URL;
    try {
      u = new URL(req.source);
    } catch {
      throw new EngineError('invalid-args', `"${req.source}" is neither a catalog id (hangar os list) nor a URL`, { field: 'source' });
    }
    const sha = req.sha256?.toLowerCase();
    if (sha !== undefined && !/^[0-9a-f]{64}$/.test(sha)) throw new EngineError('invalid-args', '--sha256 must be 64 hex digits', { field: 'sha256' });
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && sha)) throw new EngineError('invalid-args', `only https:// URLs can be downloaded (http:// only with --sha256): ${u.protocol}`, { field: 'source' });
    if (u.username || u.password) throw new EngineError('invalid-args', 'a download URL must not carry credentials', { field: 'source' });
    const fileName = urlFileName(u.href);
    if (!SAFE_FILE_NAME.test(fileName)) throw new EngineError('invalid-args', `the URL does not end in a plain file name: "${fileName}"`, { field: 'source' });
    return {
      source: sha ? `${u.href}#sha256=${sha}` : u.href,
      fileName,
      dir,
      url: u.href,
      subject: fileName,
      allowHttp: u.protocol === 'http:',
      expected: async () => (sha ? { algorithm: 'sha256', hex: sha, verification: 'user-sha256' } : null),
    };
  }

  private async fetchSmall(url: string, signal: AbortSignal, opts: ReturnType<typeof httpOptionsFor>, what: string): Promise<Buffer> {
    const { res } = await httpGet(url, {}, signal, opts).catch(wrapNet);
    if (res.statusCode !== 200) {
      res.resume();
      throw new EngineError('io', `the ${what} ${url} answered HTTP ${res.statusCode}`);
    }
    return Buffer.from(await readText(res, LIST_LIMIT).catch(wrapNet), 'utf8');
  }

  private async run(plan: Plan, finalPath: string, s: DownloadSettings, requestedJob: string | undefined, onProgress: ((p: FetchProgress) => void) | undefined, outer: AbortSignal | undefined): Promise<DownloadResult> {
    if (plan.dir === this.deps.mediaDir) await ensurePrivateDir(plan.dir);
    else await assertFolder(plan.dir);
    const existing = await stat(finalPath).catch(() => null);
    if (existing && !existing.isFile()) throw new EngineError('exists', `${finalPath} exists and is not a file`);
    if (existing) return this.alreadyThere(plan, finalPath, existing.size, s, requestedJob);
    if (s.offline) throw new EngineError('invalid-state', `Hangar is set to work offline: ${plan.fileName} is not in ${plan.dir} and is not downloaded`);
    const job = this.deps.jobs.start(requestedJob, null);
    const controller = new AbortController();
    this.controllers.set(job.jobId, controller);
    const forward = (): void => controller.abort(outer?.reason);
    outer?.addEventListener('abort', forward, { once: true });
    job.signal.addEventListener('abort', () => controller.abort(job.signal.reason), { once: true });
    const emit = (body: Partial<Extract<VmEventBody, { type: 'vm.job' }>> & { status: JobStatus }): void =>
      this.deps.emit(job.jobId, { type: 'vm.job', jobId: job.jobId, kind: 'download', subject: plan.subject, ...body });
    const partPath = `${finalPath}${PART}`;
    let lastPercent = -1;
    emit({ status: 'running', percent: 0 });
    try {
      const expected = await plan.expected().catch(asEngineError);
      await resumableFetch({
        url: plan.url,
        partPath,
        http: httpOptionsFor(s, plan.allowHttp),
        signal: controller.signal,
        onProgress: (p) => {
          onProgress?.(p);
          const percent = p.totalBytes ? Math.floor((p.receivedBytes * 100) / p.totalBytes) : 0;
          if (percent !== lastPercent && percent < 100) {
            lastPercent = percent;
            emit({ status: 'running', percent, bytesPerSecond: p.bytesPerSecond });
          }
        },
      }).catch(asEngineError);
      let verification: DownloadResult['verification'] = 'none';
      let note: string | undefined;
      if (expected) {
        const got = await hashFile(partPath, expected.algorithm, controller.signal);
        if (got !== expected.hex) {
          await rm(partPath, { force: true });
          await rm(`${partPath}.json`, { force: true });
          throw new EngineError('io', `${plan.fileName} does not match its ${expected.algorithm} checksum (expected ${expected.hex}, got ${got}): the download was deleted`, { reason: 'checksum-mismatch' });
        }
        verification = expected.verification;
        note = expected.note;
      } else note = 'not verified: no checksum was given (--sha256)';
      await rename(partPath, finalPath);
      await rm(`${partPath}.json`, { force: true });
      if (expected) await writeRecord(finalPath, { source: plan.source, algorithm: expected.algorithm, hex: expected.hex, bytes: (await stat(finalPath)).size });
      const bytes = (await stat(finalPath)).size;
      emit({ status: 'concluded', percent: 100 });
      if (note) this.deps.log('info', `${plan.fileName}: ${note}`);
      return { jobId: job.jobId, path: finalPath, bytes, verification, ...(note ? { note } : {}) };
    } catch (err) {
      if (this.paused.has(job.jobId)) {
        emit({ status: 'paused', percent: Math.max(lastPercent, 0) });
        throw new EngineError('invalid-state', `download of ${plan.fileName} paused; downloading it again resumes it`, { paused: true, jobId: job.jobId });
      }
      if (controller.signal.aborted) {
        // A cancel (not a pause) drops what was fetched.
        await rm(partPath, { force: true });
        await rm(`${partPath}.json`, { force: true });
        emit({ status: 'failed', error: 'cancelled', cancelled: true });
        throw new EngineError('invalid-state', `download of ${plan.fileName} cancelled`, { cancelled: true });
      }
      emit({ status: 'failed', error: (err as Error).message });
      throw err;
    } finally {
      outer?.removeEventListener('abort', forward);
      this.controllers.delete(job.jobId);
      this.paused.delete(job.jobId);
      job.done();
    }
  }

  /**
   * A file of that name is there already. It is used only when its verification record says it was verified for this
   * very source (a file a URL download or a person put there under a catalog file's name is not the distribution's);
   * otherwise it is checked now against the expected checksum, and refused, untouched, if it does not match.
   */
  private async alreadyThere(plan: Plan, finalPath: string, size: number, s: DownloadSettings, jobId: string | undefined): Promise<DownloadResult> {
    const rec = await readRecord(finalPath);
    const done: DownloadResult = { jobId: jobId ?? '', path: finalPath, bytes: size, verification: 'already-verified' };
    if (rec && rec.source === plan.source && rec.bytes === size) return done;
    if (s.offline) throw new EngineError('invalid-state', `Hangar is set to work offline and ${finalPath} was not verified as ${plan.source}: it is not used`);
    const expected = await plan.expected().catch(asEngineError);
    if (!expected) throw new EngineError('exists', `${finalPath} already exists; give --sha256 to check it, or remove it`, { path: finalPath });
    const got = await hashFile(finalPath, expected.algorithm);
    if (got !== expected.hex) {
      throw new EngineError('exists', `${finalPath} already exists and does not match ${plan.source}'s ${expected.algorithm} checksum; remove it (hangar os clean) or download elsewhere with --to`, { path: finalPath, reason: 'checksum-mismatch' });
    }
    await writeRecord(finalPath, { source: plan.source, algorithm: expected.algorithm, hex: expected.hex, bytes: size });
    return done;
  }

  /** The Installation media folder: its files (finished and partial) and their total size. */
  async folderInfo(): Promise<{ path: string; bytes: number; files: Array<{ name: string; bytes: number; partial: boolean }> }> {
    const files: Array<{ name: string; bytes: number; partial: boolean }> = [];
    let entries: string[] = [];
    try {
      entries = await readdir(this.deps.mediaDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const name of entries.sort()) {
      const st = await lstat(join(this.deps.mediaDir, name)).catch(() => null);
      // Verification records are hidden: listed with nothing, removed by clean with their file.
      if (st?.isFile() && !name.startsWith('.')) files.push({ name, bytes: st.size, partial: name.endsWith(PART) || name.endsWith(`${PART}.json`) });
    }
    return { path: this.deps.mediaDir, bytes: files.reduce((n, f) => n + f.bytes, 0), files };
  }

  /** Deletes the folder's files (not those of a download under way); returns what it freed. */
  async clean(): Promise<{ freedBytes: number; removed: number; inUse: string[] }> {
    const busy = new Set([...this.inflight.keys()].flatMap((p) => [`${p}${PART}`, `${p}${PART}.json`]));
    const info = await this.folderInfo();
    // A cloud machine's disk is an overlay on its image: deleting the image would break the machine.
    const used = (await this.deps.inUse?.()) ?? new Set<string>();
    const dir = await realpath(this.deps.mediaDir).catch(() => this.deps.mediaDir);
    const inUse: string[] = [];
    let freedBytes = 0;
    let removed = 0;
    for (const f of info.files) {
      const p = join(this.deps.mediaDir, f.name);
      if (busy.has(p)) continue;
      if (used.has(join(dir, f.name))) {
        inUse.push(f.name);
        continue;
      }
      await rm(p, { force: true });
      await rm(recordPath(p), { force: true });
      freedBytes += f.bytes;
      removed++;
    }
    return { freedBytes, removed, inUse };
  }
}

const recordSchema = z.strictObject({ source: z.string(), algorithm: z.enum(['sha256', 'sha512']), hex: z.string(), bytes: z.number().int().nonnegative() });
type VerificationRecord = z.infer<typeof recordSchema>;

/** `.NAME.verified.json` beside a verified file: what it was verified as. */
function recordPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.verified.json`);
}

async function readRecord(file: string): Promise<VerificationRecord | null> {
  try {
    return recordSchema.parse(JSON.parse(await readFile(recordPath(file), 'utf8')));
  } catch {
    return null;
  }
}

async function writeRecord(file: string, rec: VerificationRecord): Promise<void> {
  await writeFile(recordPath(file), JSON.stringify(rec), { mode: 0o600 });
}

/** `--to` must be a folder this user can write, checked before the network is touched. */
async function assertFolder(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new EngineError('not-found', `no folder ${dir}`, { field: 'to' });
  if (!(await access(dir, constants.W_OK).then(() => true, () => false))) throw new EngineError('io', `cannot write to ${dir}`, { field: 'to' });
}

function wrapNet(err: unknown): never {
  return asEngineError(err);
}

function asEngineError(err: unknown): never {
  if (err instanceof EngineError) throw err;
  if ((err as { name?: string })?.name === 'AbortError') throw err;
  if (err instanceof NoSpaceError) throw new EngineError('io', err.message, { reason: 'no-space' });
  if (err instanceof BadSignatureError) throw new EngineError('io', err.message, { reason: 'bad-signature' });
  if (err instanceof ChecksumListError) throw new EngineError('io', err.message, { reason: 'checksum-list' });
  if (err instanceof HttpError) throw new EngineError('io', err.message, { reason: 'network' });
  const e = err as NodeJS.ErrnoException;
  throw new EngineError('io', `download failed: ${e.message ?? String(err)}`, { reason: 'network' });
}

export { formatSize };
