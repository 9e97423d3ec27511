import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { optionString, type OptionValue } from '../qemu/option-string.js';

/** qemu-img failed: its own message (stderr) and exit code, so the UI can show what qemu-img said. */
export class QemuImgError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly args: readonly string[],
  ) {
    super(message);
    this.name = 'QemuImgError';
  }
}

export type ImageFormat = 'qcow2' | 'raw' | 'vmdk' | 'vdi' | 'vhdx' | 'vpc';

/** The fields of `qemu-img info --output=json` we rely on; everything else is kept as is. */
export interface ImageInfo {
  filename: string;
  format: string;
  'virtual-size': number;
  'actual-size'?: number;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'backing-filename-format'?: string;
  'dirty-flag'?: boolean;
  snapshots?: Array<{ id: string; name: string; 'vm-state-size': number; 'date-sec': number }>;
  [key: string]: unknown;
}

export interface CheckResult {
  filename: string;
  format: string;
  'check-errors': number;
  corruptions?: number;
  leaks?: number;
  'image-end-offset'?: number;
  [key: string]: unknown;
}

export interface QemuImgOptions {
  /** Defaults to `qemu-img` on PATH. */
  binary?: string;
}

export interface ConvertProgress {
  /** 0–100, as qemu-img reports it. */
  percent: number;
}

interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/**
 * qemu-img reads `proto:rest` as a protocol (nbd:, json:, ...) when the colon comes before any slash:
 * an absolute path never does, so every image path handed over is made absolute first.
 */
function fileArg(path: string): string {
  return resolve(path);
}

function run(binary: string, args: string[], opts: { signal?: AbortSignal; onStdout?: (chunk: string) => void } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      opts.onStdout?.(c);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const onAbort = (): void => {
      child.kill('SIGTERM');
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err: NodeJS.ErrnoException) => {
      opts.signal?.removeEventListener('abort', onAbort);
      const why = err.code === 'ENOENT' ? `${binary} was not found on PATH; install QEMU's disk tools (the qemu-utils or qemu-img package)` : `could not run ${binary}: ${err.message}`;
      reject(new QemuImgError(why, null, '', args));
    });
    child.once('close', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      resolvePromise({ stdout, stderr, code });
    });
  });
}

/** qemu-img prefixes its messages with `qemu-img: `; keep its words, drop the prefix noise. */
function failure(binary: string, args: string[], r: RunResult): QemuImgError {
  const text = r.stderr.trim().replace(/^qemu-img: /gm, '');
  return new QemuImgError(`qemu-img ${args[0]} failed (exit ${r.code}): ${text || 'no message'}`, r.code, r.stderr, args);
}

function humanSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1 && v % 1024 === 0) {
    v /= 1024;
    i++;
  }
  return `${v} ${units[i]}`;
}

/** qemu-img operations bound to one binary. */
export function createQemuImg(options: QemuImgOptions = {}) {
  const bin = options.binary ?? 'qemu-img';
  const exec = async (args: string[]): Promise<RunResult> => {
    const r = await run(bin, args);
    if (r.code !== 0) throw failure(bin, args, r);
    return r;
  };

  const api = {
    /** A new image; `backing` makes a qcow2 overlay (relative backing paths are relative to the new image). */
    async create(path: string, format: ImageFormat, sizeBytes: number, opts: { backing?: { path: string; format: ImageFormat }; options?: Record<string, OptionValue> } = {}): Promise<void> {
      if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) throw new QemuImgError(`invalid image size ${sizeBytes}`, null, '', []);
      const args = ['create', '-q', '-f', format];
      if (opts.backing) {
        // A relative backing name is stored as given; "./" keeps a colon in it from reading as a protocol.
        const b = opts.backing.path;
        args.push('-b', isAbsolute(b) || b.startsWith('./') || b.startsWith('../') ? b : `./${b}`, '-F', opts.backing.format);
      }
      if (opts.options && Object.keys(opts.options).length > 0) args.push('-o', optionString(null, Object.entries(opts.options)));
      args.push(fileArg(path), String(sizeBytes));
      await exec(args);
    },

    /** Parsed `qemu-img info`; `-U` (force-share) so it also works on images a running VM holds. */
    async info(path: string, opts: { backingChain?: boolean; forceShare?: boolean; format?: ImageFormat } = {}): Promise<ImageInfo> {
      const args = ['info', '--output=json'];
      if (opts.forceShare ?? true) args.push('-U');
      if (opts.format) args.push('-f', opts.format);
      if (opts.backingChain) args.push('--backing-chain');
      args.push(fileArg(path));
      const r = await exec(args);
      const parsed = JSON.parse(r.stdout) as ImageInfo | ImageInfo[];
      return Array.isArray(parsed) ? parsed[0]! : parsed;
    },

    /** The image and every backing file below it, top first. */
    async backingChain(path: string, opts: { forceShare?: boolean } = {}): Promise<ImageInfo[]> {
      const args = ['info', '--output=json', '--backing-chain', ...((opts.forceShare ?? true) ? ['-U'] : []), fileArg(path)];
      return JSON.parse((await exec(args)).stdout) as ImageInfo[];
    },

    /** Grows an image; shrinking loses the data past the new end, so it needs `allowShrink`. */
    async resize(path: string, newSizeBytes: number, opts: { allowShrink?: boolean; format?: ImageFormat } = {}): Promise<void> {
      const info = await api.info(path, { forceShare: false, ...(opts.format ? { format: opts.format } : {}) });
      const current = info['virtual-size'];
      if (newSizeBytes < current && !opts.allowShrink) {
        throw new QemuImgError(
          `refusing to shrink ${path} from ${humanSize(current)} to ${humanSize(newSizeBytes)}: data past the new end would be lost (shrink the guest's partitions first, then allow shrinking)`,
          null,
          '',
          [],
        );
      }
      if (newSizeBytes === current) return;
      const args = ['resize', '-q', '-f', info.format, ...(newSizeBytes < current ? ['--shrink'] : []), fileArg(path), String(newSizeBytes)];
      await exec(args);
    },

    /**
     * Copies/converts an image with progress. Aborting kills qemu-img and deletes the partial output;
     * the promise then rejects with the signal's reason (an AbortError).
     */
    async convert(
      src: string,
      dst: string,
      outFormat: ImageFormat,
      opts: { sourceFormat?: ImageFormat; compress?: boolean; onProgress?: (p: ConvertProgress) => void; signal?: AbortSignal } = {},
    ): Promise<void> {
      opts.signal?.throwIfAborted();
      // Probing a raw image's format is unsafe (guest data can look like a header), so ask once, explicitly.
      const sourceFormat = opts.sourceFormat ?? (await api.info(src)).format;
      const args = ['convert', '-p', '-f', sourceFormat, '-O', outFormat, ...(opts.compress ? ['-c'] : []), fileArg(src), fileArg(dst)];
      let buffer = '';
      let last = -1;
      const r = await run(bin, args, {
        ...(opts.signal ? { signal: opts.signal } : {}),
        onStdout: (chunk) => {
          // Progress lines look like "    (12.34/100%)\r"; a chunk can end mid-line.
          buffer += chunk;
          const parts = buffer.split(/[\r\n]/);
          buffer = parts.pop() ?? '';
          for (const part of parts) {
            const m = /\((\d+(?:\.\d+)?)\/100%\)/.exec(part);
            if (!m) continue;
            const percent = Number(m[1]);
            if (percent !== last) {
              last = percent;
              opts.onProgress?.({ percent });
            }
          }
        },
      });
      if (opts.signal?.aborted) {
        await rm(fileArg(dst), { force: true });
        throw opts.signal.reason instanceof Error ? opts.signal.reason : new DOMException('conversion cancelled', 'AbortError');
      }
      if (r.code !== 0) {
        await rm(fileArg(dst), { force: true });
        throw failure(bin, args, r);
      }
    },

    /** `qemu-img check`: exit 2 (corruptions) and 3 (leaks) still give a report, so only other codes throw. */
    async check(path: string, opts: { format?: ImageFormat } = {}): Promise<CheckResult & { exitCode: number }> {
      const format = opts.format ?? (await api.info(path)).format;
      const args = ['check', '--output=json', '-f', format, fileArg(path)];
      const r = await run(bin, args);
      if (r.code === 0 || r.code === 2 || r.code === 3) {
        try {
          return { ...(JSON.parse(r.stdout) as CheckResult), exitCode: r.code };
        } catch {
          // fall through: no report
        }
      }
      throw failure(bin, args, r);
    },
  };
  return api;
}

export type QemuImg = ReturnType<typeof createQemuImg>;

// The same operations on `qemu-img` from PATH, for callers that need no other binary.
const onPath = createQemuImg();
export const createImage = onPath.create;
export const imageInfo = onPath.info;
export const imageBackingChain = onPath.backingChain;
export const resizeImage = onPath.resize;
export const convertImage = onPath.convert;
export const checkImage = onPath.check;
