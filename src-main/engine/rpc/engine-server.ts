import {
  commandArgs,
  requestSchema,
  EngineError,
  type CommandArgs,
  type CommandName,
  type CommandResult,
  type EngineEvent,
  type EngineToClient,
  type MessageTransport,
  type VmEvent,
} from '../../../src-shared/contract/index.js';
import { toEngineError } from './to-engine-error.js';

/** What a handler knows about the client calling it. */
export interface ClientContext {
  readonly clientId: number;
  /** Serial output is sent only to clients that asked for it. */
  followSerial(vmId: string, on: boolean): void;
  /** When the engine received this request (performance.now()): the start split counts from here. */
  readonly receivedAt?: number;
}

export type Handlers = { [K in CommandName]: (args: CommandArgs<K>, client: ClientContext) => Promise<CommandResult<K>> };

interface Client extends ClientContext {
  transport: MessageTransport;
  serial: Set<string>;
}

/**
 * The engine's edge: every message from any transport is validated here, dispatched to a handler,
 * and answered with a result or a typed error. Nothing a client sends can throw past this class.
 */
export class EngineServer {
  private nextClientId = 1;
  private readonly clients = new Set<Client>();
  private inFlight = 0;
  private readonly activityListeners = new Set<() => void>();

  /** `routeConnection`: runs a request that names a libvirt connection on that connection's backend. */
  constructor(
    private readonly handlers: Handlers,
    private readonly routeConnection?: (connection: string, command: CommandName, args: unknown, client: ClientContext) => Promise<unknown>,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  /** Requests whose handler has not finished (it keeps running when its client goes away). */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Called after a client comes or goes and after a request starts or ends (the background engine's idle exit). */
  onActivity(listener: () => void): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  private activity(): void {
    for (const l of this.activityListeners) l();
  }

  attach(transport: MessageTransport): ClientContext {
    const serial = new Set<string>();
    const client: Client = {
      clientId: this.nextClientId++,
      transport,
      serial,
      followSerial: (vmId, on) => (on ? serial.add(vmId) : serial.delete(vmId)),
    };
    this.clients.add(client);
    transport.onMessage((message) => void this.handle(client, message));
    transport.onClose(() => {
      this.clients.delete(client);
      this.activity();
    });
    this.activity();
    return client;
  }

  broadcast(event: VmEvent | EngineEvent): void {
    const message: EngineToClient = { type: 'event', event };
    for (const client of this.clients) {
      if (event.type === 'vm.serial' && !client.serial.has(event.vmId)) continue;
      this.send(client, message);
    }
  }

  closeAll(): void {
    for (const client of this.clients) client.transport.close();
    this.clients.clear();
  }

  private async handle(client: Client, raw: unknown): Promise<void> {
    const receivedAt = performance.now();
    const parsed = requestSchema.safeParse(raw);
    if (!parsed.success) {
      const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : -1;
      const problem = parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
      this.respondError(client, id, new EngineError('invalid-message', `malformed request: ${problem}`));
      return;
    }
    const { id, command, args, connection } = parsed.data;
    if (!Object.hasOwn(commandArgs, command)) {
      this.respondError(client, id, new EngineError('unknown-command', `unknown command "${command}"`));
      return;
    }
    const name = command as CommandName;
    const argsResult = commandArgs[name].safeParse(args ?? {});
    if (!argsResult.success) {
      const issue = argsResult.error.issues[0];
      // An unexpected key has no path of its own: name the key, so the client learns which field is wrong.
      const path = [...(issue?.path ?? []), ...(issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [])];
      const field = path.map(String).join('.') || '(arguments)';
      this.respondError(client, id, new EngineError('invalid-args', `${name}: ${field}: ${issue?.message ?? 'invalid'}`, { field }));
      return;
    }
    this.inFlight++;
    this.activity();
    try {
      const handler = this.handlers[name] as (a: unknown, c: ClientContext) => Promise<unknown>;
      const result =
        connection === undefined
          ? await handler(argsResult.data, { clientId: client.clientId, followSerial: client.followSerial, receivedAt })
          : this.routeConnection
            ? await this.routeConnection(connection, name, argsResult.data, { clientId: client.clientId, followSerial: client.followSerial, receivedAt })
            : (() => {
                throw new EngineError('not-allowed', 'this engine has no libvirt connections');
              })();
      this.send(client, { type: 'response', id, ok: true, result: result as CommandResult<CommandName> });
    } catch (err) {
      this.respondError(client, id, toEngineError(err));
    } finally {
      this.inFlight--;
      this.activity();
    }
  }

  private respondError(client: Client, id: number, error: EngineError): void {
    this.send(client, { type: 'response', id, ok: false, error: error.toPayload() });
  }

  private send(client: Client, message: EngineToClient): void {
    try {
      client.transport.send(message);
    } catch (err) {
      // A result the transport cannot encode (not cloneable, not JSON) still gets an answer.
      if (message.type === 'response' && message.ok) {
        const error = new EngineError('internal', `the result of this command could not be sent: ${(err as Error)?.message ?? String(err)}`);
        try {
          client.transport.send({ type: 'response', id: message.id, ok: false, error: error.toPayload() });
          return;
        } catch {
          // fall through: the client is gone
        }
      }
      // A client that went away mid-answer is dropped; the engine carries on.
      if (this.clients.delete(client)) this.activity();
    }
  }
}
