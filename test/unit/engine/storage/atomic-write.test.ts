import { spawn } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAtomicTempFile, writeFileAtomic, type AtomicWriteFs } from '../../../../src-main/engine/storage/atomic-write.js';
import { makeTempDir, transpileStorageModules } from './helpers.js';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir('atomic');
});
afterEach(() => tmp.cleanup());

/** A version of vm.json large enough that a torn write would be visible. */
function version(n: number): string {
  return `${JSON.stringify({ version: n, padding: 'x'.repeat(20_000 + (n % 7) * 3000) })}\n`;
}

describe('writeFileAtomic', () => {
  it('creates a new file and replaces an existing one, leaving no temp files', async () => {
    const target = path.join(tmp.dir, 'vm.json');
    await writeFileAtomic(target, 'one');
    expect(readFileSync(target, 'utf8')).toBe('one');
    await writeFileAtomic(target, new TextEncoder().encode('two'));
    expect(readFileSync(target, 'utf8')).toBe('two');
    expect(readdirSync(tmp.dir)).toEqual(['vm.json']);
  });

  it('writes the temp file in the target folder (rename must not cross file systems)', async () => {
    const target = path.join(tmp.dir, 'vm.json');
    const opened: string[] = [];
    const spy: AtomicWriteFs = { ...fsp, open: ((p: string, ...rest: unknown[]) => (opened.push(p), (fsp.open as (...a: unknown[]) => unknown)(p, ...rest))) as AtomicWriteFs['open'] };
    await writeFileAtomic(target, 'x', { fs: spy });
    const temp = opened[0]!;
    expect(path.dirname(temp)).toBe(tmp.dir);
    expect(isAtomicTempFile(path.basename(temp))).toBe(true);
    // The last open is the directory, for its fsync.
    expect(opened.at(-1)).toBe(tmp.dir);
  });

  it('uses a unique temp name per write, so concurrent writers never share one', async () => {
    const target = path.join(tmp.dir, 'vm.json');
    const writes = Array.from({ length: 20 }, (_, i) => writeFileAtomic(target, version(i)));
    await Promise.all(writes);
    const text = readFileSync(target, 'utf8');
    expect(Array.from({ length: 20 }, (_, i) => version(i))).toContain(text);
    expect(readdirSync(tmp.dir)).toEqual(['vm.json']);
  });

  describe('injected failures keep the old file and remove the temp file', () => {
    type Step = 'write' | 'fsync' | 'close' | 'rename';
    function failing(step: Step): AtomicWriteFs {
      const boom = (): never => {
        throw Object.assign(new Error(`injected ${step} failure`), { code: 'EIO' });
      };
      return {
        ...fsp,
        rename: step === 'rename' ? async () => boom() : fsp.rename,
        open: (async (p: string, flags?: string, mode?: number) => {
          const handle = await fsp.open(p, flags, mode);
          // Only the temp file fails; the directory fsync is the real one.
          if (flags !== 'wx') return handle;
          return new Proxy(handle, {
            get(target, prop, receiver) {
              if (prop === 'writeFile' && step === 'write') return async () => boom();
              if (prop === 'sync' && step === 'fsync') return async () => boom();
              if (prop === 'close' && step === 'close') return async () => (await target.close(), boom());
              const v = Reflect.get(target, prop, receiver) as unknown;
              return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
            },
          });
        }) as AtomicWriteFs['open'],
      };
    }

    it.each(['write', 'fsync', 'close', 'rename'] as Step[])('%s fails', async (step) => {
      const target = path.join(tmp.dir, 'vm.json');
      writeFileSync(target, 'old');
      await expect(writeFileAtomic(target, 'new', { fs: failing(step) })).rejects.toThrow(`injected ${step} failure`);
      expect(readFileSync(target, 'utf8')).toBe('old');
      expect(readdirSync(tmp.dir)).toEqual(['vm.json']);
    });

    it('a failure creating the temp file leaves the target alone', async () => {
      const target = path.join(tmp.dir, 'missing-dir', 'vm.json');
      await expect(writeFileAtomic(target, 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  it('survives kill -9 at random moments: vm.json is always the old or a new complete version', async () => {
    const modDir = path.join(tmp.dir, 'mod');
    transpileStorageModules(['atomic-write'], modDir);
    const work = path.join(tmp.dir, 'work');
    await fsp.mkdir(work);
    const target = path.join(work, 'vm.json');
    const versions = Array.from({ length: 10 }, (_, i) => version(i));
    writeFileSync(target, versions[0]!);
    // The child rewrites vm.json in a loop with the real writeFileAtomic, cycling through the versions.
    const script = `
      import { writeFileAtomic } from ${JSON.stringify(path.join(modDir, 'atomic-write.js'))};
      const versions = ${JSON.stringify(versions)};
      process.send?.('ready');
      for (let i = 1; ; i++) {
        await writeFileAtomic(${JSON.stringify(target)}, versions[i % versions.length]);
        process.send?.(i);
      }
    `;
    const scriptPath = path.join(modDir, 'writer.mjs');
    writeFileSync(scriptPath, script);

    const known = new Set(versions);
    const seen = new Set<string>();
    const kills = 60;
    for (let k = 0; k < kills; k++) {
      const child = spawn(process.execPath, [scriptPath], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      // Killed after 1 to 3 complete writes (the writer goes on writing meanwhile, so the kill lands at any
      // point of a later one): counted, not timed, so a slow machine still sees the writer get somewhere.
      const writes = 1 + (k % 3);
      await new Promise<void>((resolve, reject) => {
        child.on('message', (m) => {
          if (typeof m === 'number' && m >= writes) resolve();
        });
        child.once('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
      });
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const text = readFileSync(target, 'utf8');
      expect(known.has(text), `after kill ${k}: vm.json is not one of the written versions (${text.length} bytes)`).toBe(true);
      expect(() => JSON.parse(text)).not.toThrow();
      seen.add(text);
    }
    // The writer really was interrupted mid-stream: many different versions were left behind.
    expect(seen.size).toBeGreaterThanOrEqual(3);
    // A kill between create and rename may leave a temp file behind, never a damaged target; the store
    // recognises such leftovers by name.
    for (const name of readdirSync(work)) expect(name === 'vm.json' || isAtomicTempFile(name), name).toBe(true);
  }, 600_000); // 60 Node processes started and killed: 4 min on a loaded 2-core machine
});
