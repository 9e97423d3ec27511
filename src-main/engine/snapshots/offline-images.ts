import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { QemuImgError } from '../storage/qemu-img.js';
import type { ImageSnapshot } from './snapshot-tree.js';

/** `qemu-img snapshot` on images no QEMU holds (a stopped VM). Listing uses `info -U`, so it works any time. */
export interface OfflineImages {
  list(path: string): Promise<ImageSnapshot[]>;
  create(path: string, tag: string): Promise<void>;
  apply(path: string, tag: string): Promise<void>;
  delete(path: string, tag: string): Promise<void>;
}

function run(binary: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', (err) => fail(new QemuImgError(`could not run ${binary}: ${err.message}`, null, '', args)));
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

export function createOfflineImages(binary = 'qemu-img'): OfflineImages {
  const exec = async (args: string[]): Promise<string> => {
    const r = await run(binary, args);
    if (r.code !== 0) {
      const text = r.stderr.trim().replace(/^qemu-img: /gm, '') || 'no message';
      throw new QemuImgError(`qemu-img ${args.slice(0, 2).join(' ')} failed: ${text}`, r.code, r.stderr, args);
    }
    return r.stdout;
  };
  // Absolute paths: qemu-img would read `name:rest` as a protocol prefix.
  const snap = (flag: string, path: string, tag: string) => exec(['snapshot', '-q', flag, tag, resolve(path)]);
  return {
    async list(path) {
      const info = JSON.parse(await exec(['info', '--output=json', '-U', '-f', 'qcow2', resolve(path)])) as {
        snapshots?: Array<{ id: string; name: string; 'vm-state-size': number; 'date-sec': number }>;
      };
      return (info.snapshots ?? []).map((s) => ({ id: s.id, name: s.name, vmStateSize: s['vm-state-size'], dateSec: s['date-sec'] }));
    },
    create: (path, tag) => snap('-c', path, tag).then(() => undefined),
    apply: (path, tag) => snap('-a', path, tag).then(() => undefined),
    delete: (path, tag) => snap('-d', path, tag).then(() => undefined),
  };
}
