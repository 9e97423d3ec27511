import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assertSocketPath, defaultLibraryDir, engineSocketPath, ensurePrivateDir, ensureRuntimeDir, ensureVmRuntimeDir, MAX_SOCKET_PATH_BYTES,
  resolveLibraryDir, runtimeDirPath, SocketPathTooLongError, UnsafeRuntimeDirError, vmRuntimeDirPath, vmRuntimePaths,
} from '../../../../src-main/engine/storage/library-paths.js';
import { makeTempDir } from './helpers.js';

const VM_ID = '3f2b8c1e-5d4a-4b6f-9e21-7a0c3d5e8f10';
const uid = process.getuid!();

describe('library location', () => {
  it('defaults to the platform data folder', () => {
    expect(defaultLibraryDir({ env: {}, platform: 'linux', homedir: '/home/ada' })).toBe('/home/ada/.local/share/hangar/library');
    expect(defaultLibraryDir({ env: { XDG_DATA_HOME: '/data/ada' }, platform: 'linux', homedir: '/home/ada' })).toBe('/data/ada/hangar/library');
    expect(defaultLibraryDir({ env: { XDG_DATA_HOME: 'relative/x' }, platform: 'linux', homedir: '/home/ada' })).toBe('/home/ada/.local/share/hangar/library');
    expect(defaultLibraryDir({ env: { XDG_DATA_HOME: '/ignored' }, platform: 'darwin', homedir: '/Users/ada' })).toBe(
      '/Users/ada/Library/Application Support/Hangar/library',
    );
    expect(defaultLibraryDir({ env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, platform: 'win32', homedir: 'C:\\Users\\ada' })).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\Hangar\\library',
    );
    expect(defaultLibraryDir({ env: {}, platform: 'win32', homedir: 'C:\\Users\\ada' })).toBe('C:\\Users\\ada\\AppData\\Roaming\\Hangar\\library');
  });

  it('explicit --library beats HANGAR_LIBRARY beats the default', () => {
    const base = { platform: 'linux' as const, homedir: '/home/ada' };
    const env = { HANGAR_LIBRARY: '/env/lib', XDG_DATA_HOME: '/xdg' };
    expect(resolveLibraryDir({ ...base, env, argvLibrary: '/argv/lib' })).toBe('/argv/lib');
    expect(resolveLibraryDir({ ...base, env })).toBe('/env/lib');
    expect(resolveLibraryDir({ ...base, env: { ...env, HANGAR_LIBRARY: '' } })).toBe('/xdg/hangar/library');
    expect(resolveLibraryDir({ ...base, env: {}, argvLibrary: '' })).toBe('/home/ada/.local/share/hangar/library');
  });

  it('makes overrides absolute and expands ~', () => {
    const base = { platform: 'linux' as const, homedir: '/home/ada', env: {} };
    expect(resolveLibraryDir({ ...base, argvLibrary: '~/vms' })).toBe('/home/ada/vms');
    expect(resolveLibraryDir({ ...base, argvLibrary: 'vms/../lib' })).toBe(path.resolve('lib'));
    expect(resolveLibraryDir({ platform: 'win32', homedir: 'C:\\Users\\ada', env: { HANGAR_LIBRARY: 'D:\\VMs\\' } })).toBe('D:\\VMs');
  });
});

describe('runtime folder', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir('rt');
  });
  afterEach(() => tmp.cleanup());

  it('is $XDG_RUNTIME_DIR/hangar or /tmp/hangar-<uid>', () => {
    expect(runtimeDirPath({ env: { XDG_RUNTIME_DIR: '/run/user/1000' }, uid: 1000 })).toBe('/run/user/1000/hangar');
    expect(runtimeDirPath({ env: {}, uid: 1000 })).toBe('/tmp/hangar-1000');
    expect(runtimeDirPath({ env: { XDG_RUNTIME_DIR: 'relative' }, uid: 7 })).toBe('/tmp/hangar-7');
  });

  it('is created with mode 0700', async () => {
    const dir = await ensureRuntimeDir({ env: { XDG_RUNTIME_DIR: tmp.dir }, uid });
    expect(dir).toBe(path.join(tmp.dir, 'hangar'));
    const st = statSync(dir);
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o777).toBe(0o700);
    expect(st.uid).toBe(uid);
    // Idempotent.
    await expect(ensureRuntimeDir({ env: { XDG_RUNTIME_DIR: tmp.dir }, uid })).resolves.toBe(dir);
  });

  it('tightens an existing folder of ours with group/other bits', async () => {
    const dir = path.join(tmp.dir, 'hangar');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    await ensurePrivateDir(dir, { uid });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("refuses a folder owned by someone else and leaves it alone", async () => {
    const dir = path.join(tmp.dir, 'hangar');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    // We cannot chown without privileges; claiming another uid is the same check from the other side.
    await expect(ensurePrivateDir(dir, { uid: uid + 4242 })).rejects.toThrow(UnsafeRuntimeDirError);
    await expect(ensurePrivateDir(dir, { uid: uid + 4242 })).rejects.toThrow(`it is owned by uid ${uid}, not ${uid + 4242}`);
    expect(statSync(dir).mode & 0o777).toBe(0o777);
  });

  it('refuses a symlink (someone could point it at their folder) and a plain file', async () => {
    const real = path.join(tmp.dir, 'real');
    mkdirSync(real, { mode: 0o700 });
    const link = path.join(tmp.dir, 'hangar');
    symlinkSync(real, link);
    await expect(ensurePrivateDir(link, { uid })).rejects.toThrow(/symbolic link/);
    const file = path.join(tmp.dir, 'file');
    writeFileSync(file, '');
    await expect(ensurePrivateDir(file, { uid })).rejects.toThrow(/not a directory/);
  });

  it('per-VM folder is <runtime>/<first 12 hex of the id>, 0700, with short socket paths', async () => {
    const runtime = await ensureRuntimeDir({ env: { XDG_RUNTIME_DIR: tmp.dir }, uid });
    expect(vmRuntimeDirPath(runtime, VM_ID)).toBe(path.join(runtime, '3f2b8c1e5d4a'));
    const paths = await ensureVmRuntimeDir(runtime, VM_ID, { uid });
    expect(paths).toEqual({
      dir: path.join(runtime, '3f2b8c1e5d4a'),
      qmpSocket: path.join(runtime, '3f2b8c1e5d4a', 'qmp.sock'),
      vncSocket: path.join(runtime, '3f2b8c1e5d4a', 'vnc.sock'),
      pidFile: path.join(runtime, '3f2b8c1e5d4a', 'qemu.pid'),
    });
    expect(statSync(paths.dir).mode & 0o777).toBe(0o700);
    expect(() => vmRuntimeDirPath(runtime, '../../etc')).toThrow(/not a VM id/);
  });
});

describe('socket paths', () => {
  it('names the engine socket by a hash of the library real path', () => {
    const a = engineSocketPath('/run/user/1000/hangar', '/home/ada/.local/share/hangar/library');
    expect(a).toMatch(/^\/run\/user\/1000\/hangar\/engine-[0-9a-f]{12}\.sock$/);
    expect(engineSocketPath('/run/user/1000/hangar', '/home/ada/.local/share/hangar/library')).toBe(a);
    expect(engineSocketPath('/run/user/1000/hangar', '/home/ada/other')).not.toBe(a);
  });

  it('keeps the usual paths well under the limit', () => {
    expect(engineSocketPath('/tmp/hangar-4294967294', '/x').length).toBeLessThan(MAX_SOCKET_PATH_BYTES);
    expect(vmRuntimePaths('/run/user/4294967294/hangar', VM_ID).qmpSocket.length).toBeLessThan(MAX_SOCKET_PATH_BYTES);
  });

  it('throws a clear error for a path of 100 bytes or more (counting bytes, not characters)', () => {
    expect(assertSocketPath(`/${'a'.repeat(98)}`)).toHaveLength(99);
    expect(() => assertSocketPath(`/${'a'.repeat(99)}`)).toThrow(SocketPathTooLongError);
    // 50 two-byte characters: 50 characters, 101 bytes.
    expect(() => assertSocketPath(`/${'é'.repeat(50)}`)).toThrow(/101 bytes, over the 100-byte limit/);
    const deep = `/run/user/1000/${'x'.repeat(80)}`;
    expect(() => engineSocketPath(deep, '/lib')).toThrow(/XDG_RUNTIME_DIR/);
    expect(() => vmRuntimePaths(deep, VM_ID)).toThrow(SocketPathTooLongError);
  });
});
