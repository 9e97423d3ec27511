import { applyVmPatch, newVmDocument, type VmDocument, type VmPatch } from '../../../../src-shared/vm-document/index.js';
import type { VmEventBody } from '../../../../src-shared/contract/index.js';
import type { VmRunState } from '../../../../src-shared/vm-state.js';
import type { QmpCommands, QmpEventMessage } from '../../../../src-main/engine/qmp/qmp-commands.js';
import type { LoadedVm } from '../../../../src-main/engine/storage/bundle-store.js';
import type { MediaHost, MediaSession } from '../../../../src-main/engine/media/media-service.js';

type Data = Record<string, unknown>;

/** A QmpCommands played by the test: records commands, answers by script, emits events on demand. */
export class ScriptedQmp implements QmpCommands {
  readonly calls: Array<{ command: string; args?: Data }> = [];
  script: Record<string, (args?: Data) => unknown> = {};
  private readonly listeners = new Set<(e: QmpEventMessage) => void>();

  async execute<T>(command: string, argsObject?: object, _options?: unknown): Promise<T> {
    const args = argsObject as Data | undefined;
    this.calls.push({ command, ...(args ? { args } : {}) });
    const step = this.script[command];
    return (step ? await step(args) : {}) as T;
  }
  expectEvent(): Promise<QmpEventMessage> {
    return new Promise(() => undefined);
  }
  onEvent(listener: (e: QmpEventMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  onDisconnected(): () => void {
    return () => undefined;
  }
  async close(): Promise<void> {}
  emit(event: string, data: Data): void {
    for (const l of this.listeners) l({ event, data });
  }
}

export const VM_ID = '3f1b2a9c-1111-4222-8333-444455556666';

/** One VM in memory, its optional session, and the events the service emits. */
export class FakeMediaHost implements MediaHost {
  readonly libraryDir: string;
  readonly sessions = new Map<string, MediaSession & { vmId: string; lastShutdown: null }>();
  readonly events: VmEventBody[] = [];
  doc: VmDocument;
  readonly store = {
    load: async (ref: string): Promise<LoadedVm> => {
      if (ref !== VM_ID && ref !== this.doc.name) throw Object.assign(new Error(`no VM "${ref}"`), { code: 'not-found' });
      return { id: VM_ID, name: this.doc.name, bundleDir: '/lib/vm.hangar', doc: this.doc };
    },
    update: async (_id: string, patch: VmPatch | ((doc: VmDocument) => VmPatch)): Promise<VmDocument> => {
      this.doc = applyVmPatch(this.doc, typeof patch === 'function' ? patch(this.doc) : patch, '2025-01-02T00:00:00.000Z');
      return this.doc;
    },
  };

  constructor(libraryDir: string, iso: string | null = null) {
    this.libraryDir = libraryDir;
    this.doc = newVmDocument({ id: VM_ID, name: 'vm', now: '2025-01-01T00:00:00.000Z', mac: '52:54:00:00:00:01', iso, disk: { path: 'disks/disk0.qcow2', format: 'qcow2' } });
  }

  run(state: VmRunState['kind'] = 'running'): ScriptedQmp {
    const qmp = new ScriptedQmp();
    this.sessions.set(VM_ID, { vmId: VM_ID, state: { kind: state } as VmRunState, qmp, lastShutdown: null });
    return qmp;
  }

  emit(_vmId: string, body: VmEventBody): void {
    this.events.push(body);
  }
}
