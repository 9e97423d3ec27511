import { EngineError } from '../../../src-shared/contract/index.js';
import type { VmDocument, VmPatch } from '../../../src-shared/vm-document/index.js';
import type { EngineContext } from '../engine-context.js';
import { hasVdagentChannel } from '../session/vdagent-channel.js';
import type { DisplayService } from './display-service.js';

/**
 * `vm.update` of the clipboard policy alone on a running or paused machine: the engine's relays enforce the
 * direction, so it changes at once (open displays follow; one QEMU already sends the guest's clipboard is closed
 * to reconnect). Turning sharing on needs the vdagent channel on QEMU's command line: a run started with sharing
 * off has none, so that waits for a shutdown. Returns null when this is not such a change (the usual path decides).
 */
export async function applyClipboardLive(
  ctx: Pick<EngineContext, 'store' | 'sessions' | 'emit'>,
  displays: Pick<DisplayService, 'setClipboardPolicy'>,
  vmRef: string,
  patch: VmPatch,
): Promise<{ doc: VmDocument } | null> {
  const policy = patch.clipboard;
  if (policy === undefined || Object.keys(patch).length !== 1) return null;
  const vm = await ctx.store.load(vmRef);
  const session = ctx.sessions.get(vm.id);
  const kind = session?.state.kind;
  if (!session || (kind !== 'running' && kind !== 'paused')) return null;
  if (policy !== 'off' && !(await hasVdagentChannel(session.qmp))) {
    throw new EngineError('invalid-state', `clipboard sharing can be turned on only while "${vm.name}" is shut down: it was started with sharing off, so QEMU has no clipboard channel`);
  }
  const doc = await ctx.store.update(vm.id, { clipboard: policy });
  displays.setClipboardPolicy(vm.id, policy);
  ctx.emit(vm.id, { type: 'vm.changed' });
  return { doc };
}
