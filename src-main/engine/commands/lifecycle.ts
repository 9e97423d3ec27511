import { EngineError } from '../../../src-shared/contract/index.js';
import type { ThumbnailService } from '../display/thumbnails.js';
import type { EngineContext } from '../engine-context.js';
import type { GuestAgentService } from '../guest-agent/guest-agent-service.js';
import type { InstallService } from '../install/install-service.js';
import { noPowerButtonReason } from '../qemu/argv-arch.js';
import { discardState, saveState } from '../saved-state/save-state.js';
import type { VmSession } from '../session/vm-session.js';
import { startVm } from '../vm-lifecycle.js';
import { cancelStart } from '../session/start-cancel.js';
import { StartSplit } from '../start-split.js';
import { sessionOf, type CommandSet } from './command-kit.js';

type LifecycleCommand = 'vm.start' | 'vm.saveState' | 'vm.discardState' | 'vm.pause' | 'vm.resume' | 'vm.reset' | 'vm.shutdown' | 'vm.forceOff';

/** Start, stop, pause and save a machine. */
export function lifecycleCommands(
  ctx: EngineContext,
  { thumbnails, install, agent }: { thumbnails: Pick<ThumbnailService, 'capture'>; install: Pick<InstallService, 'hostReset'>; agent: Pick<GuestAgentService, 'shutdown'> },
): CommandSet<LifecycleCommand> {
  const load = (ref: string) => ctx.store.load(ref);
  const session = (ref: string) => sessionOf(ctx, ref);
  /** A thumbnail just before the VM stops, kept in the bundle for the library (at most 2 s; best effort). */
  const lastLook = async (s: VmSession): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([thumbnails.capture(s.vmId), new Promise((r) => (timer = setTimeout(r, 2_000)))]);
    clearTimeout(timer);
  };
  return {
    // Runs in the machine's turn (machine-ops/): never beside a clone, export, disk job or another start.
    'vm.start': async (a, client) => {
      ctx.assertOpen();
      const split = new StartSplit(client.receivedAt);
      const vm = await load(a.vm);
      split.mark('lookup');
      const s = await startVm(ctx, vm, { split, ...(a.disposable === true ? { disposable: true } : {}) });
      ctx.log('info', split.describe(vm.name));
      const after = split.describeAfterExec(vm.name);
      if (after) ctx.log('info', after);
      return { state: s.state };
    },

    'vm.saveState': async (a) => {
      const vm = await load(a.vm);
      const s = await session(a.vm);
      await lastLook(s);
      return { state: await saveState(ctx, vm, s) };
    },

    'vm.discardState': async (a) => {
      const vm = await load(a.vm);
      return { state: await discardState(ctx, vm) };
    },

    'vm.pause': async (a) => {
      const s = await session(a.vm);
      await s.pause();
      return { state: s.state };
    },

    'vm.resume': async (a) => {
      const s = await session(a.vm);
      await s.resume();
      return { state: s.state };
    },

    'vm.reset': async (a) => {
      const s = await session(a.vm);
      // While an OS installs, the reset button restarts QEMU (see InstallService.hostReset).
      const now = await install.hostReset(s, () => s.reset().then(() => s));
      return { state: now.state };
    },

    'vm.shutdown': async (a) => {
      const s = await session(a.vm);
      const { doc } = await load(a.vm);
      const viaAgent = a.via === 'agent';
      const noButton = viaAgent ? null : noPowerButtonReason(doc);
      if (noButton) throw new EngineError('invalid-state', noButton);
      if (viaAgent && !doc.guestAgent) throw new EngineError('invalid-state', `"${doc.name}" has no guest agent channel (turn the guest agent on in Settings → Display)`);
      await lastLook(s);
      // A guest that ignores the button (no ACPI daemon, a hung desktop) is asked again through its agent.
      const agentShutdown = doc.guestAgent ? () => agent.shutdown(s.vmId) : undefined;
      const { timedOut, method } = await s.shutdown(a.timeoutMs ?? 60_000, { ...(agentShutdown ? { agent: agentShutdown } : {}), agentFirst: viaAgent });
      return { state: s.state, timedOut, method: method ?? 'acpi' };
    },

    'vm.forceOff': async (a) => {
      const vm = await load(a.vm);
      // A start before its QEMU runs is cancelled (nothing spawned afterwards, its swtpm ended); one that got
      // as far as QEMU ends it itself before the guest runs. Either way the machine is off when this answers.
      if (!ctx.sessions.has(vm.id) && ctx.startsUnderWay.has(vm.id)) {
        ctx.log('info', `"${vm.name}" forced off while starting: the start is cancelled`);
        await cancelStart(ctx.startsUnderWay, vm.id);
        if (!ctx.sessions.has(vm.id)) return { state: ctx.stateOf(vm.id) };
      }
      const s = await session(a.vm);
      await lastLook(s);
      await s.forceOff();
      return { state: s.state };
    },
  };
}
