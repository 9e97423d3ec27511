import { parseArgs } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
// Only what every command needs is imported here: the engine itself, the document schemas (zod) and the verbs of one
// command each load when used, so `hangar start` on a running engine costs little more than Node's own start.
import { EngineError } from '../../src-shared/contract/errors.js';
import type { EngineClient } from '../../src-shared/contract/client.js';
import { describeRunState, isDisposable } from '../../src-shared/vm-state.js';
import { VERBS, globalHelp, type VerbSpec } from './verbs.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { openEngine, type EngineHandle } from './open-engine.js';
import { waitForSerial, followConsole } from './console.js';
import { withJobProgress } from './job-progress.js';
import { unattendedAnswersOf } from './unattended-options.js';
import { BACKGROUND_ENGINE_VERB } from '../engine/storage/engine-handover.js';
import { resolveLibraryDir } from '../engine/storage/library-paths.js';
import { homedir } from 'node:os';
import { guestAgentJson, guestAgentLines } from './guest-agent-info.js';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

class UsageError extends Error {}

/** Verbs about Hangar itself, not about machines: `--connection` before them is a mistake. */
const NOT_ON_CONNECTION = ['connection', 'engine', 'serve', 'host'] as const;

function parseNumber(value: string | undefined, flag: string, opts: { int?: boolean; min?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (opts.int && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new UsageError(`--${flag} must be ${opts.int ? 'a whole number' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''} (got "${value}")`);
  }
  return n;
}

function splitGlobal(argv: string[]): { library?: string; connection?: string; rest: string[]; help: boolean } {
  const rest: string[] = [];
  let library: string | undefined;
  let connection: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (rest.length === 0 && a === '--connection') {
      connection = argv[++i];
      if (!connection) throw new UsageError('--connection needs a name (hangar connection list)');
    } else if (rest.length === 0 && a.startsWith('--connection=')) connection = a.slice('--connection='.length);
    else if (rest.length === 0 && a === '--library') {
      library = argv[++i];
      if (!library) throw new UsageError('--library needs a folder');
    } else if (rest.length === 0 && a.startsWith('--library=')) library = a.slice('--library='.length);
    else if (rest.length === 0 && (a === '--help' || a === '-h')) help = true;
    else rest.push(a);
  }
  return { library, connection, rest, help };
}

/** Runs one `hangar` invocation; returns the exit code (never throws). */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let handle: EngineHandle | null = null;
  try {
    const { library, connection, rest, help } = splitGlobal(argv);
    const verb = rest[0];
    if (!verb || help) {
      io.out(`${globalHelp()}\n`);
      return verb || help ? EXIT.ok : EXIT.usage;
    }
    if (verb === BACKGROUND_ENGINE_VERB && rest.length === 1) {
      // Started by engine-launcher.ts, detached; not a user-facing verb.
      const { runBackgroundEngine } = await import('./background-engine.js');
      return await runBackgroundEngine(resolveLibraryDir({ argvLibrary: library, env: process.env, platform: process.platform, homedir: homedir() }), process.env);
    }
    const spec = VERBS[verb];
    if (!spec) throw new UsageError(`unknown verb "${verb}" (try hangar --help)`);
    const parsed = parseVerb(spec, rest.slice(1));
    if (parsed === 'help') {
      const details = typeof spec.details === 'function' ? await spec.details() : spec.details;
      io.out(`Usage: ${spec.usage}\n\n${spec.summary}\n${details ? `\n${details}\n` : ''}`);
      return EXIT.ok;
    }
    if (connection !== undefined && (NOT_ON_CONNECTION as readonly string[]).includes(verb)) throw new UsageError(`--connection does not apply to hangar ${verb}`);
    if (verb === 'serve') {
      const { runServe, ServeUsageError } = await import('../serve/run-serve.js');
      const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
      return await runServe({
        library,
        port: parseNumber(v['port'] as string | undefined, 'port', { int: true, min: 0 }),
        allowDirs: v['allow-dir'] as string[] | undefined,
        allowExtraArgs: v['allow-extra-args'] === true,
        allowRemote: v['allow-remote'] === true,
        tlsCert: v['tls-cert'] as string | undefined,
        tlsKey: v['tls-key'] as string | undefined,
        tokenFile: v['token-file'] as string | undefined,
        io,
      }).catch((err: unknown) => {
        throw err instanceof ServeUsageError ? new UsageError(err.message) : err;
      });
    }
    // "local" is This computer: the engine itself.
    const libvirt = connection !== undefined && connection !== 'local' ? connection : undefined;
    // A start here needs the host probe: an engine started for it reads the probe while this CLI connects.
    handle = await openEngine({ library, inProcess: verb === 'engine', warmHost: verb === 'start' && libvirt === undefined });
    if (libvirt !== undefined) handle.client.connection = libvirt;
    return await runVerb(verb, parsed, handle, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`hangar: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof EngineError) {
      io.err(`hangar: ${err.message}\n`);
      return exitCodeFor(err.code);
    }
    io.err(`hangar: ${(err as Error).message ?? String(err)}\n`);
    return EXIT.failure;
  } finally {
    await handle?.close();
  }
}

type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

function parseVerb(spec: VerbSpec, args: string[]): Parsed | 'help' {
  if (args.includes('--help') || args.includes('-h')) return 'help';
  let parsed;
  try {
    parsed = parseArgs({ args, options: spec.options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify.*$/s, '')}\nUsage: ${spec.usage}`);
  }
  if (parsed.positionals.length < spec.minPositionals) {
    throw new UsageError(`missing ${spec.positionals.slice(parsed.positionals.length).join(' ')}\nUsage: ${spec.usage}`);
  }
  // A last positional named `X...` takes the rest.
  if (!spec.positionals.at(-1)?.endsWith('...') && parsed.positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument "${parsed.positionals[spec.positionals.length]}"\nUsage: ${spec.usage}`);
  }
  return parsed as Parsed;
}

async function runVerb(verb: string, p: Parsed, handle: EngineHandle, io: Io): Promise<number> {
  const c: EngineClient = handle.client;
  const v = p.values;
  const [a0, a1] = p.positionals as [string, string];
  switch (verb) {
    case 'list': {
      const vms = await c.call('library.list', {});
      if (v['json']) io.out(`${JSON.stringify(vms, null, 2)}\n`);
      else if (vms.length === 0) io.out('No machines yet. Create one with: hangar create NAME --iso PATH --disk-size 20\n');
      else {
        const w = Math.max(4, ...vms.map((m) => m.name.length));
        io.out(`${'NAME'.padEnd(w)}  ${'STATE'.padEnd(10)}  ID\n`);
        for (const m of vms) io.out(`${m.name.padEnd(w)}  ${(m.error ? 'broken' : `${m.state.kind}${isDisposable(m.state) ? ' (disposable)' : ''}`).padEnd(10)}  ${m.id}${m.error ? `  (${m.error})` : ''}\n`);
      }
      return EXIT.ok;
    }
    case 'create': {
      const firmware = v['firmware'] as string | undefined;
      if (firmware !== undefined && firmware !== 'bios' && firmware !== 'uefi') throw new UsageError('--firmware must be bios or uefi');
      const arch = v['arch'] as string | undefined;
      if (arch !== undefined && arch !== 'x86_64' && arch !== 'aarch64' && arch !== 'riscv64') throw new UsageError('--arch must be x86_64, aarch64 or riscv64');
      const { existingDiskModeOf } = await import('./clone-verb.js');
      const existingDiskMode = existingDiskModeOf(v);
      const cloud = await (await import('./cloud-init-args.js')).cloudCreateArgs(v, async (id) => (await (await import('./download-verb.js')).fetchVerified(c, { source: id }, io.err)).path);
      const unattended = unattendedAnswersOf(v, (m) => new UsageError(m));
      if (cloud.cloudImage !== undefined && unattended) throw new UsageError('--cloud-image needs no installer: give it or --unattended (with --iso), not both');
      const r = await withJobProgress(c, io.err, { show: existingDiskMode !== undefined }, (jobId) => c.call('vm.create', {
        name: a0,
        iso: v['iso'] as string | undefined,
        diskSizeGiB: parseNumber(v['disk-size'] as string | undefined, 'disk-size', { min: 0.001 }),
        existingDisk: v['disk'] === undefined ? undefined : resolvePath(v['disk'] as string),
        ...(existingDiskMode !== undefined ? { existingDiskMode, jobId } : {}),
        memoryMiB: parseNumber(v['memory'] as string | undefined, 'memory', { int: true, min: 16 }),
        cpus: parseNumber(v['cpus'] as string | undefined, 'cpus', { int: true, min: 1 }),
        osId: v['os'] as string | undefined,
        firmware: firmware as 'bios' | 'uefi' | undefined,
        arch: arch as 'x86_64' | 'aarch64' | 'riscv64' | undefined,
        // Relative to where the CLI runs, like --disk; the engine checks it exists and is writable.
        folder: v['folder'] === undefined ? undefined : resolvePath(v['folder'] as string),
        ...cloud,
        ...(unattended ? { unattended } : {}),
      }));
      io.out(`${r.id}\n`);
      return EXIT.ok;
    }
    case 'start': {
      const waitFor = v['wait-for-serial'] as string | undefined;
      const timeoutS = parseNumber(v['timeout'] as string | undefined, 'timeout', { min: 0.1 }) ?? 300;
      const args = { vm: a0, ...(v['disposable'] === true ? { disposable: true } : {}) };
      if (!waitFor) {
        await c.call('vm.start', args);
        return EXIT.ok;
      }
      await waitForSerial(c, a0, waitFor, timeoutS * 1000, () => c.call('vm.start', args));
      return EXIT.ok;
    }
    case 'stop': {
      if ([v['force'], v['save'], v['agent']].filter(Boolean).length > 1) throw new UsageError('give one of --force, --save, --agent');
      if (v['save']) {
        await c.call('vm.saveState', { vm: a0 });
        return EXIT.ok;
      }
      if (v['force']) {
        await c.call('vm.forceOff', { vm: a0 });
        return EXIT.ok;
      }
      const timeoutS = parseNumber(v['timeout'] as string | undefined, 'timeout', { min: 0.1 }) ?? 60;
      const r = await c.call('vm.shutdown', { vm: a0, timeoutMs: Math.round(timeoutS * 1000), ...(v['agent'] ? { via: 'agent' as const } : {}) });
      if (r.method === 'agent' && !v['agent']) io.err('hangar: the guest ignored the power button; asked its guest agent to shut down\n');
      if (r.timedOut) {
        io.err(`hangar: the guest did not shut down within ${timeoutS} s; use hangar stop ${a0} --force to power it off\n`);
        return EXIT.timeout;
      }
      return EXIT.ok;
    }
    case 'discard-state':
      await c.call('vm.discardState', { vm: a0 });
      return EXIT.ok;
    case 'pause':
      await c.call('vm.pause', { vm: a0 });
      return EXIT.ok;
    case 'resume':
      await c.call('vm.resume', { vm: a0 });
      return EXIT.ok;
    case 'reset':
      await c.call('vm.reset', { vm: a0 });
      return EXIT.ok;
    case 'info': {
      const r = await c.call('vm.get', { vm: a0 });
      if (v['json']) io.out(`${JSON.stringify({ ...r.doc, state: r.state, bundleDir: r.bundleDir, guestAgent: guestAgentJson(r.doc.guestAgent, r.guestAgent) }, null, 2)}\n`);
      else {
        const d = r.doc;
        const lines = [
          ['Name', d.name],
          ['Id', d.id],
          ['State', `${describeRunState(r.state)}${isDisposable(r.state) ? ' (disposable: changes are discarded at power-off)' : ''}`],
          ['OS', d.osId],
          ['System', `${d.arch} ${d.machine}, ${d.firmware.type.toUpperCase()}${d.firmware.secureBoot ? ' (Secure Boot)' : ''}`],
          ['CPUs', String(d.cpu.count)],
          ['Memory', `${d.memoryMiB} MiB`],
          ...d.disks.map((k) => [`Disk ${k.id}`, `${k.path} (${k.format}, ${k.bus})`]),
          ...d.cdroms.map((k) => [`CD ${k.id}`, k.path ?? '(empty)']),
          ['Network', d.network.mode === 'user' ? `NAT (${d.network.model})${d.network.forwards.map((f) => ` ${f.protocol}:${f.hostPort}->${f.guestPort}`).join('')}` : d.network.mode],
          ['Boot order', d.bootOrder.join(', ') || '(none)'],
          ...guestAgentLines(d.guestAgent, r.guestAgent),
          ...(await import('./share-verb.js')).shareInfoLines(d),
          ['Folder', r.bundleDir],
        ];
        for (const [k, val] of lines) io.out(`${`${k}:`.padEnd(12)} ${val}\n`);
      }
      return EXIT.ok;
    }
    case 'set':
      return await (await import('./set-verb.js')).setVerb(c, p.positionals, io.out, process.cwd());
    case 'get':
      return await (await import('./set-verb.js')).getVerb(c, p.positionals, v['json'] === true, io.out);
    case 'argv': {
      const r = await c.call('vm.argv', { vm: a0 });
      io.out(`${r.argv.join('\n')}\n`);
      return EXIT.ok;
    }
    case 'console':
      return await followConsole(c, a0, { follow: !v['no-follow'], out: io.out, disconnected: handle.disconnected });
    case 'logs': {
      const kinds = (['qemu', 'serial', 'events'] as const).filter((k) => v[k] === true);
      if (kinds.length > 1) throw new UsageError('pick one of --qemu, --serial, --events');
      const maxBytes = parseNumber(v['bytes'] as string | undefined, 'bytes', { int: true, min: 1 });
      const r = await c.call('vm.logs', { vm: a0, kind: kinds[0] ?? 'qemu', ...(maxBytes !== undefined ? { maxBytes } : {}) });
      io.out(r.text);
      return EXIT.ok;
    }
    case 'screenshot': {
      const r = await c.call('vm.screenshot', { vm: a0 });
      await writeFile(a1, Buffer.from(r.pngBase64, 'base64'));
      return EXIT.ok;
    }
    case 'send-key':
      await c.call('vm.sendKey', { vm: a0, combo: a1 });
      return EXIT.ok;
    case 'type':
      await c.call('vm.typeText', { vm: a0, text: a1.replace(/\\n/g, '\n') });
      return EXIT.ok;
    case 'delete':
      await c.call('vm.delete', { vm: a0, files: Boolean(v['files']) });
      return EXIT.ok;
    case 'clone':
      return await (await import('./clone-verb.js')).cloneVerb(c, p.positionals, v, io.out, io.err);
    case 'rename':
      await c.call('vm.rename', { vm: a0, name: a1 });
      return EXIT.ok;
    case 'add': {
      const r = await c.call('vm.addExisting', { path: resolvePath(a0), ...(v['accept-risks'] ? { acceptRisks: true } : {}) }).catch((err: unknown) => {
        // One finding per line: a script or a person reads what the bundle would bring before saying yes.
        const risks = err instanceof EngineError && err.code === 'needs-confirmation' ? err.details?.['risks'] : undefined;
        if (!Array.isArray(risks)) throw err;
        io.err(`hangar: not added: this bundle reaches outside its folder:\n${risks.map((r) => `  - ${String(r)}\n`).join('')}hangar: add it only if you trust where it came from: hangar add --accept-risks PATH\n`);
        return null;
      });
      if (r === null) return EXIT.failure;
      io.out(`${r.id}\n`);
      return EXIT.ok;
    }
    case 'media': {
      const [action, vm, iso] = p.positionals as [string, string | undefined, string | undefined];
      const drive = v['drive'] as string | undefined;
      const force = v['no-force'] ? false : undefined;
      if (action === 'recent') {
        const { isos } = await c.call('media.recent', {});
        if (v['json']) io.out(`${JSON.stringify(isos, null, 2)}\n`);
        else for (const i of isos) io.out(`${i.path}\n`);
        return EXIT.ok;
      }
      if (action !== 'insert' && action !== 'eject') throw new UsageError(`media: unknown action "${action}" (insert, eject or recent)\nUsage: ${VERBS['media']!.usage}`);
      if (!vm) throw new UsageError(`missing VM\nUsage: ${VERBS['media']!.usage}`);
      if (action === 'insert' && !iso) throw new UsageError(`missing ISO\nUsage: ${VERBS['media']!.usage}`);
      if (action === 'eject' && iso) throw new UsageError(`unexpected argument "${iso}"\nUsage: ${VERBS['media']!.usage}`);
      const r =
        action === 'insert'
          ? await c.call('media.insert', { vm, path: resolvePath(iso!), ...(drive ? { drive } : {}), ...(force === false ? { force } : {}) })
          : await c.call('media.eject', { vm, ...(drive ? { drive } : {}), ...(force === false ? { force } : {}) });
      io.out(`${r.drive}: ${r.path ?? '(empty)'}${r.live ? ' (live)' : ''}\n`);
      return EXIT.ok;
    }
    case 'finish-install': {
      await c.call('install.finish', { vm: a0 });
      io.out(`${a0}: installation medium removed; the machine boots from its disk\n`);
      return EXIT.ok;
    }
    case 'host': {
      const h = await c.call('host.info', {});
      if (v['json']) io.out(`${JSON.stringify(h, null, 2)}\n`);
      else {
        io.out(`QEMU:         ${h.qemuVersion ?? 'not found'}${h.qemuBinary ? ` (${h.qemuBinary})` : ''}\n`);
        if (h.installHint) io.out(`Install with: ${h.installHint}\n`);
        io.out(`Accelerators: ${h.accelerators.join(', ') || 'none'}\n`);
        io.out(`KVM:          ${h.kvm.usable ? 'yes' : `no: ${h.kvm.reason}`}\n`);
        io.out(`UEFI:         ${h.uefiAvailable ? 'OVMF found' : 'no OVMF firmware found'}\n`);
        if (h.firmwareInstallHint) io.out(`Install with: ${h.firmwareInstallHint}\n`);
        io.out(`TPM:          ${h.swtpmAvailable ? 'swtpm found' : 'no swtpm (install the swtpm package)'}\n`);
        if (h.audio) {
          io.out(`Sound:        ${h.audio.backend === 'none' ? `no host output: ${h.audio.missing ?? 'none found'} (the display streams it)` : h.audio.label}\n`);
          if (h.audio.install) io.out(`Install with: ${h.audio.install}\n`);
        }
        io.out(`Library:      ${h.libraryDir}\n`);
      }
      return EXIT.ok;
    }
    case 'snapshot':
      return await (await import('./snapshot-verb.js')).snapshotVerb(c, p.positionals, v, io.out);
    case 'disk':
      return await (await import('./disk-verb.js')).diskVerb(c, p.positionals, v, io.out, io.err);
    case 'os':
      return await (await import('./download-verb.js')).osVerb(c, p.positionals, v, io.out);
    case 'download':
      return await (await import('./download-verb.js')).downloadVerb(c, p.positionals, v, io.out, io.err);
    case 'export':
      return await (await import('./archive-verb.js')).exportVerb(c, p.positionals, v, io.out, io.err);
    case 'import':
      return await (await import('./archive-verb.js')).importVerb(c, p.positionals, v, io.out, io.err);
    case 'forward':
      return await (await import('./forward-verb.js')).forwardVerb(c, p.positionals, v, io.out);
    case 'connection':
      return await (await import('./connection-verb.js')).connectionVerb(c, p.positionals, v, io.out);
    case 'pool':
      return await (await import('./pool-verb.js')).poolVerb(c, p.positionals, v, io.out, io.err);
    case 'usb':
      return await (await import('./usb-verb.js')).usbVerb(c, p.positionals, v, io.out);
    case 'share':
      return await (await import('./share-verb.js')).shareVerb(c, p.positionals, v, io.out, process.cwd());
    case 'engine':
      io.out(`Hangar engine serving ${handle.libraryDir} (pid ${process.pid}); press Ctrl+C to stop. Running machines keep running.\n`);
      await handle.untilStopped();
      return EXIT.ok;
    default:
      throw new UsageError(`unknown verb "${verb}"`);
  }
}
