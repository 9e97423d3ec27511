import type { CommandArgs, CommandName, CommandResult } from './commands.js';
import { EngineError, ENGINE_ERROR_CODES, type EngineErrorCode } from './errors.js';
import type { EngineEvent, VmEvent } from './events.js';
import type { EngineToClient } from './messages.js';
import type { MessageTransport } from './transport.js';

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };

/** A typed client of the engine contract over any transport (used by the CLI, the renderer bridge and tests). */
export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: VmEvent | EngineEvent) => void>();
  private closedReason: string | null = null;
  /** When set, every call runs on this libvirt connection's backend (`hangar --connection NAME`). */
  connection: string | undefined;

  constructor(private readonly transport: MessageTransport) {
    transport.onMessage((message) => this.receive(message));
    transport.onClose((reason) => {
      this.closedReason = reason || 'connection closed';
      for (const p of this.pending.values()) p.reject(new EngineError('io', `engine connection closed: ${this.closedReason}`));
      this.pending.clear();
    });
  }

  /** `connection`: run this one call on that libvirt connection (default: the client's own `connection`). */
  call<K extends CommandName>(command: K, args: CommandArgs<K>, connection: string | undefined = this.connection): Promise<CommandResult<K>> {
    if (this.closedReason !== null) return Promise.reject(new EngineError('io', `engine connection closed: ${this.closedReason}`));
    const id = this.nextId++;
    return new Promise<CommandResult<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.transport.send(connection === undefined ? { type: 'request', id, command, args } : { type: 'request', id, command, args, connection });
      } catch (err) {
        this.pending.delete(id);
        reject(new EngineError('io', `could not send to the engine: ${(err as Error).message}`));
      }
    });
  }

  /** Sends a message that may not satisfy the contract (for fuzzing and protocol tests). */
  callRaw(message: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.transport.send({ ...(message as object), id });
    });
  }

  onEvent(listener: (event: VmEvent | EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.transport.close();
  }

  private receive(raw: unknown): void {
    const message = raw as EngineToClient;
    if (message?.type === 'event') {
      for (const l of this.listeners) l(message.event);
      return;
    }
    if (message?.type !== 'response') return;
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    if (message.ok) p.resolve(message.result);
    else {
      const code: EngineErrorCode = ENGINE_ERROR_CODES.includes(message.error?.code) ? message.error.code : 'internal';
      p.reject(new EngineError(code, message.error?.message ?? 'unknown engine error', message.error?.details));
    }
  }
}
