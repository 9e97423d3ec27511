import { commandArgs, type CommandName, type EngineToClient, type MessageTransport } from '../../../../src-shared/contract/index.js';
import type { ClientContext, Handlers } from '../../../../src-main/engine/rpc/engine-server.js';
import { inProcessPair } from '../../../../src-main/engine/transport/in-process.js';

export const COMMANDS = Object.keys(commandArgs) as CommandName[];

/** Handlers that echo what they were called with; `override` replaces single commands. */
export function stubHandlers(override: Partial<Record<CommandName, (args: unknown, client: ClientContext) => Promise<unknown>>> = {}): Handlers & {
  calls: Array<{ command: CommandName; args: unknown; clientId: number }>;
} {
  const calls: Array<{ command: CommandName; args: unknown; clientId: number }> = [];
  const handlers = Object.fromEntries(
    COMMANDS.map((command) => [
      command,
      async (args: unknown, client: ClientContext) => {
        calls.push({ command, args, clientId: client.clientId });
        const custom = override[command];
        return custom ? custom(args, client) : { echo: command, args };
      },
    ]),
  ) as unknown as Handlers;
  return Object.assign(handlers, { calls });
}

/** A raw peer: sends anything, collects every message the server sends back, in order. */
export class RawPeer {
  readonly received: EngineToClient[] = [];
  // Kept as they arrive: the fuzz tests ask 10,000 times, and filtering `received` on every answer made that quadratic.
  private readonly responseList: Array<Extract<EngineToClient, { type: 'response' }>> = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(readonly transport: MessageTransport) {
    transport.onMessage((m) => {
      const message = m as EngineToClient;
      this.received.push(message);
      if (message?.type === 'response') this.responseList.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (this.responseList.length >= w.count) {
          w.resolve();
          return false;
        }
        return true;
      });
    });
  }

  responses(): Array<Extract<EngineToClient, { type: 'response' }>> {
    return [...this.responseList];
  }

  /** Resolves once `count` responses in total have arrived. */
  untilResponses(count: number): Promise<void> {
    if (this.responseList.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Sends one message and resolves with the single response it caused. */
  async ask(message: unknown): Promise<Extract<EngineToClient, { type: 'response' }>> {
    const before = this.responseList.length;
    this.transport.send(message);
    await this.untilResponses(before + 1);
    return this.responseList[before]!;
  }
}

/** A server-side transport and a raw peer over an in-process pair. */
export function inProcessPeer(): { serverSide: MessageTransport; peer: RawPeer } {
  const [client, server] = inProcessPair();
  return { serverSide: server, peer: new RawPeer(client) };
}

/** Lets queued microtasks and immediate callbacks run, so a stray second response would have arrived. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
