import type { CommandArgs, CommandName } from '../../../src-shared/contract/index.js';
import type { ClientContext, Handlers } from '../rpc/engine-server.js';
import type { MachineLock } from './machine-lock.js';
import { MACHINE_OPS, type MachineOp } from './machine-op.js';

export interface GuardDeps {
  readonly lock: MachineLock;
  /** Resolves a client's VM reference (name, id or id prefix) to the machine. */
  resolve(ref: string): Promise<{ id: string; name: string }>;
  /** Commands wait for this before they are admitted (the engine reattaching to running machines at open). */
  readonly ready?: Promise<void>;
}

type AnyHandler = (args: unknown, client: ClientContext) => Promise<unknown>;

/**
 * The command edge of the per-machine lock: every command of MACHINE_OPS runs inside its machine's turn. The
 * reference is resolved and the lock decided one request at a time, in arrival order, so the first of two
 * racing requests is the one that wins; the handler itself runs outside that admission step.
 */
export function guardMachineOps(handlers: Handlers, deps: GuardDeps): Handlers {
  let admission: Promise<unknown> = deps.ready ?? Promise.resolve();
  const guarded: Record<string, AnyHandler> = { ...(handlers as unknown as Record<string, AnyHandler>) };
  for (const [command, describe] of Object.entries(MACHINE_OPS) as Array<[CommandName, (a: unknown) => MachineOp]>) {
    const inner = guarded[command]!;
    guarded[command] = async (args, client) => {
      const a = args as CommandArgs<'vm.start'>;
      const admitted = admission.then(async () => {
        const vm = await deps.resolve(a.vm);
        // The handler gets the id: it acts on the machine that was locked, even if a queued rename changes its name.
        const result = deps.lock.run(vm.id, vm.name, describe(args), () => inner({ ...a, vm: vm.id }, client));
        result.catch(() => undefined); // the caller below handles it; this only keeps Node from calling it unhandled meanwhile
        // Boxed: the admission chain waits for the decision, not for the operation.
        return { result };
      });
      admission = admitted.catch(() => undefined);
      return (await admitted).result;
    };
  }
  return guarded as unknown as Handlers;
}
