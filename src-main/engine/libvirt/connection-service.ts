import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { EngineError, connectionNameSchema, connectionUriSchema, type CommandArgs, type CommandName, type ConnectionInfo } from '../../../src-shared/contract/index.js';
import type { CommandSet } from '../commands/command-kit.js';
import { MachineLock } from '../machine-ops/machine-lock.js';
import { MACHINE_OPS, type MachineOp } from '../machine-ops/machine-op.js';
import type { ClientContext } from '../rpc/engine-server.js';
import { writeFileAtomic } from '../storage/atomic-write.js';
import type { VmEventBody } from '../../../src-shared/contract/index.js';
import { LIBVIRT_CANNOT, LibvirtConnection, type LibvirtDeps } from './libvirt-backend.js';
import { PoolUploads, type PoolUploadDeps } from './pool-upload.js';
import { JobRegistry } from '../jobs/job-registry.js';

/** The engine's side of a connection's deps: its events name the connection they come from. */
export type ConnectionServiceDeps = Omit<LibvirtDeps, 'emit'> & {
  emit(vmId: string, body: VmEventBody, connection: string): void;
  /** The engine's job registry: uploads to pools are its jobs (job.cancel, with or without the connection, stops them). */
  jobs?: PoolUploadDeps['jobs'];
  /** The browser host's checks of paths that stay on this computer on a connection (LOCAL_PATHS_ON_CONNECTION). */
  checkLocalPaths?: (command: CommandName, args: unknown) => Promise<void>;
};

/** `<library>/connections.json`: names and URIs only (no passwords: SSH uses the user's agent and keys). */
const fileSchema = z.strictObject({
  version: z.literal(1),
  connections: z.array(z.strictObject({ name: connectionNameSchema, uri: connectionUriSchema })),
});

export const CONNECTIONS_FILE = 'connections.json';

/**
 * The libvirt connections of one library, and the backend behind `connection` in a request: the same
 * contract commands, run on that connection's libvirt instead of Hangar's engine.
 */
export class ConnectionService {
  private readonly conns = new Map<string, LibvirtConnection>();
  private loaded: Promise<void> | null = null;
  /** libvirt serialises jobs on a domain itself; this keeps Hangar's own rule (one change at a time, refusals worded alike). */
  private readonly lock = new MachineLock();
  private readonly uploads: PoolUploads;

  constructor(
    private readonly libraryDir: string,
    private readonly deps: ConnectionServiceDeps,
  ) {
    this.uploads = new PoolUploads({ ...deps, jobs: deps.jobs ?? new JobRegistry() });
  }

  /** A connection whose events carry its current name (read at each event: a rename applies at once). */
  private make(name: string, uri: string): LibvirtConnection {
    const conn: LibvirtConnection = new LibvirtConnection(name, uri, { ...this.deps, emit: (id, body) => this.deps.emit(id, body, conn.name) });
    return conn;
  }

  private get file(): string {
    return join(this.libraryDir, CONNECTIONS_FILE);
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      const text = await readFile(this.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      if (text === null) return;
      let parsed;
      try {
        parsed = fileSchema.parse(JSON.parse(text));
      } catch (err) {
        this.loaded = null;
        throw new EngineError('invalid-document', `${this.file} is damaged (${(err as Error).message.split('\n')[0]}); fix or remove it`);
      }
      for (const c of parsed.connections) this.conns.set(c.name, this.make(c.name, c.uri));
    })();
    return this.loaded;
  }

  private async save(): Promise<void> {
    const body = { version: 1, connections: [...this.conns.values()].map((c) => ({ name: c.name, uri: c.uri })) };
    await writeFileAtomic(this.file, `${JSON.stringify(body, null, 2)}\n`);
  }

  async get(name: string): Promise<LibvirtConnection> {
    await this.load();
    const c = this.conns.get(name);
    if (!c) throw new EngineError('not-found', `no connection "${name}" (hangar connection list)`);
    return c;
  }

  close(): void {
    this.uploads.cancelAll();
    for (const c of this.conns.values()) c.close();
  }

  /**
   * The connection whose domain has this uuid, or null: the display page names a machine by id only, and a
   * domain's uuid is as unique as a Hangar id. Connections that know it already answer first; then all are asked.
   */
  async locate(ref: string): Promise<LibvirtConnection | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) return null;
    await this.load();
    const all = [...this.conns.values()];
    const known = all.find((c) => c.knows(ref));
    if (known) return known;
    const hits = await Promise.all(all.map((c) => c.resolve(ref).then((d) => (d.uuid === ref ? c : null), () => null)));
    return hits.find((c) => c !== null) ?? null;
  }

  /** Runs a contract command on a connection's backend (the engine server hands over requests that name one). */
  async dispatch(connection: string, command: CommandName, args: unknown, client: ClientContext): Promise<unknown> {
    if (command.startsWith('connection.') || command === 'host.info') throw new EngineError('invalid-args', `${command} is not run on a connection: send it without "connection"`);
    await this.deps.checkLocalPaths?.(command, args);
    const conn = await this.get(connection);
    if (command === 'pool.upload') return this.uploads.upload(conn, args as CommandArgs<'pool.upload'>);
    if (command === 'job.cancel' && this.uploads.owns((args as CommandArgs<'job.cancel'>).jobId)) {
      this.uploads.cancel((args as CommandArgs<'job.cancel'>).jobId);
      return { ok: true };
    }
    const handler = conn.handlers[command] as ((a: unknown, c: ClientContext) => Promise<unknown>) | undefined;
    if (!handler) {
      const what = LIBVIRT_CANNOT[command] ?? command;
      throw new EngineError('unsupported', `libvirt cannot do this for machines on connection "${connection}": ${what}`, { connection, command });
    }
    const describe = MACHINE_OPS[command] as ((a: unknown) => MachineOp) | undefined;
    if (!describe) return handler(args, client);
    const a = args as CommandArgs<'vm.start'>;
    const d = await conn.resolve(a.vm);
    return this.lock.run(`${connection}/${d.uuid}`, d.name, describe(args), () => handler({ ...a, vm: d.uuid }, client));
  }

  commands(): CommandSet<'connection.list' | 'connection.add' | 'connection.remove' | 'connection.rename' | 'connection.test'> {
    return {
      'connection.list': async () => {
        await this.load();
        return { connections: [...this.conns.values()].map((c) => c.info()) };
      },
      'connection.add': async (a) => {
        await this.load();
        if (this.conns.has(a.name)) throw new EngineError('name-taken', `a connection named "${a.name}" exists already`);
        const dup = [...this.conns.values()].find((c) => c.uri === a.uri);
        if (dup) throw new EngineError('exists', `connection "${dup.name}" already uses ${a.uri}`);
        const conn = this.make(a.name, a.uri);
        this.conns.set(a.name, conn);
        try {
          await this.save();
        } catch (err) {
          this.conns.delete(a.name);
          throw err;
        }
        return { connection: conn.info() };
      },
      'connection.remove': async (a) => {
        const conn = await this.get(a.name);
        this.conns.delete(a.name);
        try {
          await this.save();
        } catch (err) {
          this.conns.set(a.name, conn);
          throw err;
        }
        conn.close();
        return { ok: true };
      },
      'connection.rename': async (a) => {
        const conn = await this.get(a.name);
        if (this.conns.has(a.newName)) throw new EngineError('name-taken', `a connection named "${a.newName}" exists already`);
        const before = [...this.conns.entries()];
        const put = (entries: Array<[string, LibvirtConnection]>): void => {
          this.conns.clear();
          for (const [k, v] of entries) this.conns.set(k, v);
        };
        put(before.map(([k, v]): [string, LibvirtConnection] => (k === a.name ? [a.newName, v] : [k, v])));
        conn.name = a.newName;
        try {
          await this.save();
        } catch (err) {
          // Nothing half-renamed: the file was not replaced, so neither is the name in memory.
          put(before);
          conn.name = a.name;
          throw err;
        }
        return { connection: conn.info() };
      },
      'connection.test': async (a) => {
        if (a.uri !== undefined) {
          // Not stored and not watched: only `virsh version` runs (its name in the answer is empty).
          const probe = new LibvirtConnection('', a.uri, { ...this.deps, emit: () => undefined });
          try {
            const out = await probe.run(['version', '--daemon']);
            return { connection: probe.info(), libvirtVersion: /Running against daemon: (.*)/.exec(out)?.[1]?.trim() ?? out.trim() };
          } finally {
            probe.close();
          }
        }
        const conn = await this.get(a.name!);
        const libvirtVersion = await conn.test();
        return { connection: conn.info() as ConnectionInfo, libvirtVersion };
      },
    };
  }
}
