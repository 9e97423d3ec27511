// Quitting while VMs run asks what to do with them:
//   "Keep running in background": quit; the engine detaches (SIGTERM → Engine.close()) and QEMU keeps going.
//   "Save state of all": vm.saveState for each (resumed at its next start); one that cannot be saved (a raw
//     disk, a disposable run) keeps running in the background instead, as with "keep".
//   "Shut down all": vm.shutdown (ACPI, with a timeout) for each running VM, vm.forceOff for any that
//     did not stop, then quit.
//   "Cancel": don't quit.
// Main asks the engine over its own port (EngineClient); it never talks to QEMU.
import { app, BrowserWindow, dialog } from 'electron';
import type { EngineClient } from '../../src-shared/contract/client.js';
import type { VmSummary } from '../../src-shared/contract/commands.js';
import { canSaveState, isActive } from '../../src-shared/vm-state.js';
import type { EngineHost } from './engine-host.js';

export type QuitChoice = 'keep' | 'save' | 'shutdown' | 'cancel';
export const QUIT_BUTTONS = ['Keep running in background', 'Save state of all', 'Shut down all', 'Cancel'] as const;
const CHOICES: readonly QuitChoice[] = ['keep', 'save', 'shutdown', 'cancel'];

export interface QuitOptions {
  /** Guest ACPI shutdown timeout per VM before force-off. */
  shutdownTimeoutMs?: number;
  /** How long to wait for the engine to answer library.list. */
  listTimeoutMs?: number;
  /** Called when the user cancels (e.g. to reopen a window if the last one was closed). */
  onCancel?: () => void;
  log?: (line: string) => void;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export async function runningVms(client: EngineClient, timeoutMs: number): Promise<VmSummary[]> {
  const vms = await withTimeout(client.call('library.list', {}), timeoutMs, 'library.list');
  return vms.filter((vm) => isActive(vm.state));
}

export async function askQuitChoice(running: readonly VmSummary[]): Promise<QuitChoice> {
  const names = running.map((vm) => `• ${vm.name}`).join('\n');
  const options = {
    type: 'question' as const,
    title: 'Quit Hangar',
    message: running.length === 1 ? 'A virtual machine is still running.' : `${running.length} virtual machines are still running.`,
    detail: `${names}\n\nVMs kept running stay available the next time Hangar starts. Saved VMs resume where they were at their next start; one that cannot be saved (raw disks, started without saving changes) keeps running.`,
    buttons: [...QUIT_BUTTONS],
    defaultId: 0,
    cancelId: 3,
    noLink: true,
  };
  const parent = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
  const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
  return CHOICES[response] ?? 'cancel';
}

/** ACPI shutdown of each VM in parallel; force-off for those that time out, refuse or error. */
export async function shutDownAll(client: EngineClient, vms: readonly VmSummary[], timeoutMs: number, log: (line: string) => void): Promise<void> {
  await Promise.all(
    vms.map(async (vm) => {
      try {
        const result = await client.call('vm.shutdown', { vm: vm.id, timeoutMs });
        if (!result.timedOut && result.state.kind === 'stopped') return;
      } catch (err) {
        log(`hangar: shutting down ${vm.name} failed (${(err as Error).message}); forcing it off`);
      }
      try {
        await client.call('vm.forceOff', { vm: vm.id });
      } catch (err) {
        log(`hangar: force-off of ${vm.name} failed: ${(err as Error).message}`);
      }
    }),
  );
}

/** Saves the state of each VM that can be saved; the others keep running (logged with the engine's reason). */
export async function saveAll(client: EngineClient, vms: readonly VmSummary[], log: (line: string) => void): Promise<void> {
  await Promise.all(
    vms.map(async (vm) => {
      if (!canSaveState(vm.state)) {
        log(`hangar: ${vm.name} is ${vm.state.kind}${'disposable' in vm.state && vm.state.disposable ? ' without saving changes' : ''}; it keeps running`);
        return;
      }
      try {
        await client.call('vm.saveState', { vm: vm.id });
      } catch (err) {
        log(`hangar: saving the state of ${vm.name} failed (${(err as Error).message}); it keeps running`);
      }
    }),
  );
}

/** Decides whether the app may quit now; stops the engine when it may. */
export async function decideQuit(engine: EngineHost, opts: QuitOptions = {}): Promise<boolean> {
  const log = opts.log ?? ((line: string) => console.error(line));
  // An engine between restarts gets a moment to come back so that its VMs can be listed.
  const client = engine.client ?? (engine.status?.state === 'restarting' ? await engine.whenReady(opts.listTimeoutMs ?? 5_000) : null);
  let running: VmSummary[] = [];
  if (client) {
    try {
      running = await runningVms(client, opts.listTimeoutMs ?? 5_000);
    } catch (err) {
      // An engine that cannot answer cannot stop VMs either; it keeps running them as it would on "keep".
      log(`hangar: could not list VMs before quitting: ${(err as Error).message}`);
    }
  }
  if (running.length > 0) {
    const choice = await askQuitChoice(running);
    if (choice === 'cancel') return false;
    if (choice === 'shutdown' && client) await shutDownAll(client, running, opts.shutdownTimeoutMs ?? 30_000, log);
    if (choice === 'save' && client) await saveAll(client, running, log);
  }
  await engine.stop();
  return true;
}

/** Intercepts every quit (menu, Ctrl+Q, last window closed) until the decision is made. */
export function setupQuitGuard(engine: EngineHost, opts: QuitOptions = {}): void {
  let phase: 'idle' | 'deciding' | 'quitting' = 'idle';
  app.on('before-quit', (event) => {
    if (phase === 'quitting') return;
    event.preventDefault();
    if (phase === 'deciding') return;
    phase = 'deciding';
    decideQuit(engine, opts)
      .then((proceed) => {
        if (proceed) {
          phase = 'quitting';
          app.quit();
        } else {
          phase = 'idle';
          opts.onCancel?.();
        }
      })
      .catch((err: unknown) => {
        (opts.log ?? console.error)(`hangar: quit failed: ${(err as Error).message}`);
        phase = 'quitting';
        app.quit();
      });
  });
}
