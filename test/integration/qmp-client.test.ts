import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QmpClient, type QmpDisconnectInfo } from '../../src-main/engine/qmp/qmp-client.js';
import { qmpCommandsOf } from '../../src-main/engine/qmp/qmp-commands.js';
import { QmpCommandError, QmpDisconnectedError, QmpHmpError } from '../../src-main/engine/qmp/qmp-errors.js';
import { hmp } from '../../src-main/engine/qmp/qmp-hmp.js';

/**
 * The QMP client against a real QEMU 7.2 (`-machine none`, no guest). Readiness: with -daemonize the launching
 * process exits only once QEMU's sockets accept connections (documented in the man page). Exit: the daemon keeps
 * an inherited extra pipe (fd 3) open until it dies, so that pipe closing is the exit signal; no polling.
 */

let dir = '';
let pid = 0;
let daemonExited: Promise<void> = Promise.resolve();
let daemonGone = false;
const client = new QmpClient({ defaultTimeoutMs: 10_000 });
const qmp = qmpCommandsOf(client);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-qmp-'));
  const argv = [
    '-machine', 'none', '-nodefaults', '-display', 'none', '-S',
    '-qmp', `unix:${join(dir, 'qmp.sock')},server=on,wait=off`,
    '-daemonize', '-pidfile', join(dir, 'qemu.pid'),
  ];
  const launcher = spawn('qemu-system-x86_64', argv, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  const stdout = launcher.stdio[1] as Readable;
  const stderr = launcher.stdio[2] as Readable;
  const lifeline = launcher.stdio[3] as Readable;
  daemonExited = new Promise((resolve) => {
    lifeline.on('close', () => {
      daemonGone = true;
      resolve();
    });
    lifeline.on('error', () => {});
    lifeline.resume();
  });
  let output = '';
  stdout.on('data', (d: Buffer) => (output += d.toString()));
  stderr.on('data', (d: Buffer) => (output += d.toString()));
  // Not 'close': that waits for fd 3 too, which the daemon holds. stderr ends once the daemon detached from it.
  const [code] = await Promise.all([
    new Promise<number | null>((resolve, reject) => {
      launcher.once('error', reject);
      launcher.once('exit', resolve);
    }),
    new Promise((resolve) => stderr.once('close', resolve)),
  ]);
  if (code !== 0) throw new Error(`qemu-system-x86_64 ${argv.join(' ')} exited ${code}: ${output}`);
  pid = Number((await readFile(join(dir, 'qemu.pid'), 'utf8')).trim());
  await client.connectUnix(join(dir, 'qmp.sock'), { timeoutMs: 10_000 });
});

afterAll(async () => {
  await client.close();
  if (pid > 0 && !daemonGone) {
    // Safety net: only kill the process if it is still our QEMU (its command line names our temp folder).
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir)) {
      process.kill(pid, 'SIGKILL');
      await daemonExited;
    }
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('QmpClient against qemu-system-x86_64', () => {
  it('connects and captures the greeting', () => {
    const greeting = client.greeting;
    expect(client.state).toBe('running');
    expect(greeting?.version.qemu.major).toBe(7);
    expect(greeting?.capabilities).toContain('oob');
  });

  it('queries status and version', async () => {
    await expect(qmp.execute('query-status')).resolves.toEqual({ running: false, singlestep: false, status: 'prelaunch' });
    const version = await qmp.execute('query-version');
    expect(version.qemu.major).toBe(7);
    expect(version.qemu.minor).toBeGreaterThanOrEqual(0);
  });

  it('sees RESUME after cont and STOP after stop', async () => {
    const resumed = qmp.expectEvent('RESUME');
    await qmp.execute('cont');
    await expect(resumed).resolves.toMatchObject({ event: 'RESUME' });
    expect((await qmp.execute('query-status')).status).toBe('running');

    const stopped = qmp.expectEvent('STOP');
    await qmp.execute('stop');
    const event = await stopped;
    expect(event.timestamp!.seconds).toBeGreaterThan(0);
    expect((await qmp.execute('query-status')).status).toBe('paused');
  });

  it('runs HMP commands and detects HMP failures', async () => {
    await expect(hmp(client, 'info status')).resolves.toMatch(/VM status: paused/);
    const error = await hmp(client, 'savevm x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpHmpError);
    expect((error as QmpHmpError).output).toMatch(/^Error: /);
  });

  it('turns a QMP error reply into QmpCommandError', async () => {
    const error = await qmp.execute('eject', { id: 'no-such-device' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpCommandError);
    expect((error as QmpCommandError).errorClass).toMatch(/DeviceNotFound|GenericError/);
    expect(client.state).toBe('running');
  });

  it('quits: SHUTDOWN, then disconnected, then the process exits', async () => {
    const shutdown = qmp.expectEvent('SHUTDOWN');
    const disconnected = new Promise<QmpDisconnectInfo>((resolve) => client.onDisconnected(resolve));
    // QEMU usually answers quit before hanging up; losing the reply to the hang-up is fine too.
    await qmp.execute('quit').catch((err: unknown) => {
      if (!(err instanceof QmpDisconnectedError)) throw err;
    });
    await expect(shutdown).resolves.toMatchObject({ data: { guest: false, reason: 'host-qmp-quit' } });
    const info = await disconnected;
    expect(info.byClient).toBe(false);
    expect(client.state).toBe('disconnected');
    await daemonExited;
    expect(daemonGone).toBe(true);
  });
});
