// The tiny test guests boot under real QEMU (TCG) and behave as documented in test/fixtures/README.md.
// These tests fail (never skip) when QEMU or the fixtures are missing: run `npm run setup`.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bootKeyLine,
  bootPattern,
  bootPatternProbes,
  colourDistance,
  fixturePaths,
  markers,
  parsePpm,
} from '../helpers/fixtures';

const QEMU = 'qemu-system-x86_64';
const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

interface QmpMessage {
  return?: unknown;
  error?: { class: string; desc: string };
  event?: string;
  id?: number;
  QMP?: unknown;
  [k: string]: unknown;
}

/** Minimal QMP client: newline-delimited JSON, one command at a time is enough here. */
class Qmp {
  private buf = '';
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly events: QmpMessage[] = [];
  private greeting?: () => void;

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (line) this.onMessage(JSON.parse(line) as QmpMessage);
      }
    });
    const failAll = () => {
      for (const p of this.pending.values()) p.reject(new Error('QMP connection closed'));
      this.pending.clear();
    };
    sock.on('close', failAll);
    sock.on('error', failAll);
  }

  static async connect(path: string, timeoutMs = 10_000): Promise<Qmp> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const sock = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        const qmp = new Qmp(sock);
        await new Promise<void>((resolve) => (qmp.greeting = resolve));
        await qmp.execute('qmp_capabilities');
        return qmp;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`cannot connect to QMP at ${path}: ${String(e)}`);
        await sleep(50);
      }
    }
  }

  private onMessage(msg: QmpMessage): void {
    if (msg.QMP) return this.greeting?.();
    if (msg.event) {
      this.events.push(msg);
      return;
    }
    const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
    if (!p) return;
    this.pending.delete(msg.id!);
    if (msg.error) p.reject(new Error(`QMP error ${msg.error.class}: ${msg.error.desc}`));
    else p.resolve(msg.return);
  }

  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.sock.write(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id }) + '\n');
    });
  }

  /** send-key with one chord (e.g. ['ctrl', 'alt', 'delete']). */
  sendKey(...qcodes: string[]): Promise<unknown> {
    return this.execute('send-key', { keys: qcodes.map((data) => ({ type: 'qcode', data })) });
  }

  /** Types text with send-key, one chord per character (a-z, 0-9, space, '-', shift for A-Z). */
  async type(text: string): Promise<void> {
    for (const ch of text) {
      if (/[a-z0-9]/.test(ch)) await this.sendKey(ch);
      else if (/[A-Z]/.test(ch)) await this.sendKey('shift', ch.toLowerCase());
      else if (ch === ' ') await this.sendKey('spc');
      else if (ch === '-') await this.sendKey('minus');
      else if (ch === '\n') await this.sendKey('ret');
      else throw new Error(`type(): no qcode for ${JSON.stringify(ch)}`);
    }
  }

  close(): void {
    this.sock.destroy();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A QEMU process with serial on stdio and QMP on a unix socket in a private temp dir. */
class Guest {
  serial = '';
  stderr = '';
  exitCode: number | null | undefined = undefined;
  readonly exited: Promise<number | null>;
  qmp!: Qmp;
  readonly startedAt = Date.now();

  private constructor(
    readonly proc: ChildProcess,
    readonly dir: string,
  ) {
    proc.stdout!.setEncoding('latin1');
    proc.stdout!.on('data', (d: string) => (this.serial += d));
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => {
      // 'close' comes after 'exit' and after stdout is drained, so no serial output is lost
      proc.once('close', (code) => {
        this.exitCode = code;
        resolve(code);
      });
      proc.once('error', (err) => {
        this.stderr += String(err);
        this.exitCode = null;
        resolve(null);
      });
    });
  }

  static async start(machineArgs: string[]): Promise<Guest> {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-fixture-'));
    const qmpPath = join(dir, 'qmp.sock');
    const argv = [
      '-nodefaults',
      '-no-user-config',
      '-display', 'none',
      '-machine', 'q35,accel=tcg',
      '-m', '256',
      '-device', 'VGA',
      '-chardev', 'stdio,id=ser0,signal=off',
      '-serial', 'chardev:ser0',
      '-qmp', `unix:${qmpPath},server=on,wait=off`,
      ...machineArgs,
    ];
    const proc = spawn(QEMU, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    const guest = new Guest(proc, dir);
    running.add(guest);
    guest.qmp = await Promise.race([
      Qmp.connect(qmpPath),
      guest.exited.then((code) => {
        throw new Error(`${QEMU} exited (${code}) before QMP was up: ${guest.stderr.trim()}`);
      }),
    ]);
    return guest;
  }

  /** Waits until serial output contains `text` at least `count` times; returns ms since QEMU start. */
  async waitSerial(text: string, { count = 1, timeoutMs = 30_000 } = {}): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (occurrences(this.serial, text) < count) {
      if (this.exitCode !== undefined) {
        throw new Error(`QEMU exited (${this.exitCode}) while waiting for ${JSON.stringify(text)}.\n` +
          `stderr: ${this.stderr}\nserial tail:\n${this.serial.slice(-2000)}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${JSON.stringify(text)} x${count} on serial.\n` +
          `serial tail:\n${this.serial.slice(-2000)}`);
      }
      await sleep(25);
    }
    return Date.now() - this.startedAt;
  }

  /** Serial output split into lines (CR/LF stripped). */
  lines(): string[] {
    return this.serial.split(/\r?\n/).map((l) => l.replace(/\r/g, ''));
  }

  writeSerial(text: string): void {
    this.proc.stdin!.write(text);
  }

  async screendump(): Promise<ReturnType<typeof parsePpm>> {
    const file = join(this.dir, `screen-${Date.now()}.ppm`);
    await this.qmp.execute('screendump', { filename: file, format: 'ppm' });
    return parsePpm(readFileSync(file));
  }

  async kill(): Promise<void> {
    this.qmp?.close();
    if (this.exitCode === undefined) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function occurrences(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

const running = new Set<Guest>();
const tempDirs = new Set<string>();

afterEach(async () => {
  await Promise.all([...running].map((g) => g.kill()));
  running.clear();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
});

const bootImgArgs = () => [
  '-drive', `file=${fixturePaths.bootImg},format=raw,if=none,id=disk0,snapshot=on`,
  '-device', 'ide-hd,drive=disk0,bus=ide.0,bootindex=0',
];
const linuxIsoArgs = () => [
  '-drive', `file=${fixturePaths.linuxIso},format=raw,if=none,id=cd0,media=cdrom,readonly=on`,
  '-device', 'ide-cd,drive=cd0,bus=ide.0,bootindex=0',
];

describe('boot.img (BIOS boot sector)', () => {
  it('prints the boot marker on COM1', async () => {
    const guest = await Guest.start(bootImgArgs());
    const ms = await guest.waitSerial(markers.bootOk, { timeoutMs: 15_000 });
    console.info(`boot.img: ${markers.bootOk} after ${ms} ms`);
    expect(guest.lines()).toContain(markers.bootOk);
  });

  it('echoes keys sent with QMP send-key on serial', async () => {
    const guest = await Guest.start(bootImgArgs());
    await guest.waitSerial(markers.bootOk);
    await guest.qmp.sendKey('h');
    await guest.qmp.sendKey('shift', 'q');
    await guest.qmp.sendKey('ret');
    await guest.waitSerial(bootKeyLine('\r', 0x1c));
    const keys = guest.lines().filter((l) => l.startsWith(markers.bootKeyPrefix));
    expect(keys).toEqual(['KEY:h', 'KEY:Q', 'KEY:#1C0D']);
  });

  it('draws the documented pattern (screendump) and echoes keys on screen', async () => {
    const guest = await Guest.start(bootImgArgs());
    await guest.waitSerial(markers.bootOk);
    const img = await guest.screendump();
    expect([img.width, img.height]).toEqual([640, 400]);
    for (const p of bootPatternProbes(img.width, img.height)) {
      const got = img.pixel(p.x, p.y);
      expect(colourDistance(got, p.rgb), `${p.what} at (${p.x},${p.y}) is ${got}`).toBeLessThanOrEqual(4);
    }
    const sx = img.width / bootPattern.width;
    const sy = img.height / bootPattern.height;
    const countIn = (x0: number, x1: number, y0: number, y1: number, rgb: readonly [number, number, number]) => {
      let n = 0;
      for (let y = y0 * sy; y < (y1 + 1) * sy; y++)
        for (let x = x0 * sx; x < (x1 + 1) * sx; x++) if (colourDistance(img.pixel(x, y), rgb) <= 4) n++;
      return n;
    };
    const t = bootPattern.title;
    expect(countIn(t.x0, t.x1, t.y0, t.y1, t.rgb), 'yellow title pixels').toBeGreaterThan(100);
    const row = bootPattern.keyRow;
    expect(countIn(0, 7, row.y0, row.y1, row.rgb), 'key row before typing').toBe(0);

    await guest.qmp.sendKey('x');
    await guest.waitSerial('KEY:x');
    const after = await guest.screendump();
    let lit = 0;
    for (let y = row.y0 * sy; y < (row.y1 + 1) * sy; y++)
      for (let x = 0; x < row.cellWidth * sx; x++) if (colourDistance(after.pixel(x, y), row.rgb) <= 4) lit++;
    expect(lit, 'white glyph pixels in key cell 0 after typing x').toBeGreaterThan(20);
  });

  it('reboots on Ctrl+Alt+Del (the marker prints again)', async () => {
    const guest = await Guest.start(bootImgArgs());
    await guest.waitSerial(markers.bootOk);
    await guest.qmp.sendKey('ctrl', 'alt', 'delete');
    await guest.waitSerial(markers.bootOk, { count: 2, timeoutMs: 15_000 });
    expect(guest.qmp.events.some((e) => e.event === 'RESET')).toBe(true);
  });
});

describe('linux.iso (Debian kernel + busybox)', () => {
  it('boots with SeaBIOS, echoes serial and keyboard, powers off on the ACPI power button', async () => {
    const guest = await Guest.start(linuxIsoArgs());
    const ms = await guest.waitSerial(markers.linuxReady, { timeoutMs: 60_000 });
    console.info(`linux.iso (BIOS): ${markers.linuxReady} after ${ms} ms`);

    guest.writeSerial('hello hangar 42\n');
    await guest.waitSerial(`${markers.linuxEchoPrefix}hello hangar 42`, { timeoutMs: 10_000 });
    expect(guest.lines()).toContain('ECHO:hello hangar 42');
    guest.writeSerial('carriage return\r');
    await guest.waitSerial(`${markers.linuxEchoPrefix}carriage return`, { timeoutMs: 10_000 });
    expect(guest.lines().filter((l) => l.includes('hello hangar'))).toEqual(['ECHO:hello hangar 42']); // no local echo

    await guest.qmp.type('typed on vga\n');
    await guest.waitSerial(`${markers.linuxKbdPrefix}typed on vga`, { timeoutMs: 10_000 });
    expect(guest.lines()).toContain('KBD:typed on vga');

    const t0 = Date.now();
    await guest.qmp.execute('system_powerdown');
    await guest.waitSerial(markers.linuxPoweroff, { timeoutMs: 20_000 });
    const code = await Promise.race([guest.exited, sleep(20_000).then(() => 'timeout' as const)]);
    console.info(`linux.iso (BIOS): power button to QEMU exit ${Date.now() - t0} ms`);
    expect(guest.serial).toContain(markers.linuxPoweroff);
    expect(code).toBe(0);
    expect(guest.qmp.events.map((e) => e.event)).toContain('POWERDOWN');
  });

  it('boots with OVMF (UEFI) and powers off on the ACPI power button', async () => {
    expect(existsSync(OVMF_CODE), `${OVMF_CODE} (package ovmf; run npm run setup)`).toBe(true);
    const varsDir = mkdtempSync(join(tmpdir(), 'hangar-ovmf-'));
    tempDirs.add(varsDir);
    const vars = join(varsDir, 'OVMF_VARS.fd');
    copyFileSync(OVMF_VARS, vars);
    const guest = await Guest.start([
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
      '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
      ...linuxIsoArgs(),
    ]);
    const ms = await guest.waitSerial(markers.linuxReady, { timeoutMs: 90_000 });
    console.info(`linux.iso (UEFI): ${markers.linuxReady} after ${ms} ms`);
    await guest.qmp.execute('system_powerdown');
    await guest.waitSerial(markers.linuxPoweroff, { timeoutMs: 20_000 });
    const code = await Promise.race([guest.exited, sleep(20_000).then(() => 'timeout' as const)]);
    expect(code).toBe(0);
  });
});
