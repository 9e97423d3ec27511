// A virtual TPM 2.0 for QEMU (Windows 11 needs one): swtpm, started before QEMU with its state in the
// bundle (tpm/) and its control socket in the VM's 0700 runtime folder (swtpm.sock). QEMU cannot emulate a TPM alone.
// `--terminate` makes swtpm exit when QEMU's connection closes, so it lives exactly as long as the VM,
// also when QEMU outlives the engine; stopSwtpm() is the safety net for starts that never got that far.
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../../../src-shared/contract/index.js';
import { isPidAlive } from '../storage/library-lock.js';

export const SWTPM_SOCKET = 'swtpm.sock';
export const SWTPM_PIDFILE = 'swtpm.pid';
const START_TIMEOUT_MS = 10_000;

export function swtpmSocketPath(runtimeDir: string): string {
  return join(runtimeDir, SWTPM_SOCKET);
}

/** The TPM's persistent state (keys, NVRAM): part of the bundle, so it moves with the VM. */
export function tpmStateDir(bundleDir: string): string {
  return join(bundleDir, 'tpm');
}

/** The swtpm binary, or a refusal that names the package to install. */
export function requireSwtpm(swtpm: string | null, vmName: string): string {
  if (swtpm) return swtpm;
  throw new EngineError(
    'start-refused',
    `"${vmName}" has a virtual TPM, which needs swtpm, and swtpm is not installed: install the "swtpm" package ` +
      '(Debian/Ubuntu: sudo apt-get install swtpm swtpm-tools; Fedora: sudo dnf install swtpm swtpm-tools; macOS: brew install swtpm), ' +
      'or turn the TPM off in the machine\'s settings',
    { field: 'firmware.tpm', package: 'swtpm' },
  );
}

/** Names the VM's runtime folder in swtpm's environment, so stopSwtpm can tell ours from a recycled pid. */
const MARKER_ENV = 'HANGAR_SWTPM_RUNTIME_DIR';
/**
 * swtpm's option parser has no escape for commas, and bundle folders may contain them: so no path goes into
 * an option. The state folder is TPM_PATH, the socket and pid file are relative to the runtime folder (the
 * cwd); its startup errors go to stderr, i.e. logs/swtpm.log (no --log: swtpm 0.7.1 spins on `--log fd=N`).
 * `--daemon` returns once the control socket exists: QEMU can connect at once.
 */
export function swtpmArgs(): string[] {
  return [
    'socket',
    '--tpm2',
    '--ctrl', `type=unixio,path=${SWTPM_SOCKET},mode=0600`,
    '--pid', `file=${SWTPM_PIDFILE}`,
    '--terminate',
    '--daemon',
  ];
}

/** Starts swtpm for one VM start; returns the control socket QEMU's `-chardev` connects to. */
export async function startSwtpm(req: { binary: string; vmName: string; bundleDir: string; runtimeDir: string; logsDir: string; stateDir?: string }): Promise<string> {
  // A disposable run passes a throwaway copy of the state (session/disposable.ts): the bundle's stays as it was.
  const stateDir = req.stateDir ?? tpmStateDir(req.bundleDir);
  await mkdir(req.runtimeDir, { recursive: true, mode: 0o700 });
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await mkdir(req.logsDir, { recursive: true });
  await stopSwtpm(req.runtimeDir); // one left by an engine that died mid-start
  await rm(swtpmSocketPath(req.runtimeDir), { force: true });
  const logPath = join(req.logsDir, 'swtpm.log');
  const log = await open(logPath, 'a', 0o600);
  try {
    const child = spawn(req.binary, swtpmArgs(), {
      cwd: req.runtimeDir,
      env: { ...process.env, TPM_PATH: stateDir, [MARKER_ENV]: req.runtimeDir },
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    });
    const outcome = await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(`it did not start within ${START_TIMEOUT_MS / 1000} s`);
      }, START_TIMEOUT_MS);
      child.once('error', (err) => {
        clearTimeout(timer);
        resolve(err.message);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(code === 0 ? null : `swtpm ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`);
      });
    });
    if (outcome !== null) {
      const tail = (await readFile(logPath, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean).slice(-3).join(' ');
      throw new EngineError('start-refused', `could not start the virtual TPM (swtpm) of "${req.vmName}": ${tail || outcome}`, { field: 'firmware.tpm' });
    }
  } finally {
    await log.close();
  }
  return swtpmSocketPath(req.runtimeDir);
}

/** The swtpm serving this runtime folder, if one still runs (the pid file, checked against its environment). */
export async function runningSwtpm(runtimeDir: string): Promise<number | null> {
  const pid = Number.parseInt(await readFile(join(runtimeDir, SWTPM_PIDFILE), 'utf8').catch(() => ''), 10);
  if (!Number.isInteger(pid) || pid <= 1 || !isPidAlive(pid)) return null;
  return (await isSwtpmOf(pid, runtimeDir, { trustWithoutProc: true })) ? pid : null;
}

/**
 * Whether `pid` is the swtpm Hangar started for this runtime folder: a recycled pid must not be killed, so on
 * Linux its environment must name the folder. Without /proc, `trustWithoutProc` decides (the pid file's word).
 */
export async function isSwtpmOf(pid: number, runtimeDir: string, opts: { trustWithoutProc?: boolean } = {}): Promise<boolean> {
  const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => null);
  if (environ === null) return opts.trustWithoutProc === true;
  return environ.split('\0').includes(`${MARKER_ENV}=${runtimeDir}`);
}

/** Ends this VM's swtpm if it still runs (normally it has exited with QEMU already). */
export async function stopSwtpm(runtimeDir: string): Promise<void> {
  const pid = await runningSwtpm(runtimeDir);
  if (pid !== null) await endSwtpm(pid);
}

/** SIGTERM (swtpm saves its state), SIGKILL after 2 s. */
export async function endSwtpm(pid: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // gone meanwhile
    }
  };
  signal('SIGTERM');
  for (let waited = 0; waited < 2_000 && isPidAlive(pid); waited += 50) await new Promise((r) => setTimeout(r, 50));
  if (isPidAlive(pid)) signal('SIGKILL');
}

