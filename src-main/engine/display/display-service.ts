import { DISPLAY_CLOSE_CODES } from './display-protocol.js';
import { VncRelay, type DisplayPortLike, type VncRelayOptions } from './vnc-relay.js';
import type { ClipboardPolicy } from './rfb-clipboard-guard.js';

/** What the display service needs to know about a VM it is asked to show. */
export interface DisplayTarget {
  vmId: string;
  /** QEMU's VNC unix socket. */
  socketPath: string;
  /** Settles when the VM's session ends (the displays are closed then, with the reason when it settles with a string). */
  ended: Promise<unknown>;
  /** Why the VNC socket closed, asked when it does (a libvirt tunnel: the SSH connection dropped, or the domain stopped). */
  explainClose?: () => Promise<string | null>;
  /** The VM's clipboard policy, enforced on what each viewer sends (absent: bytes pass untouched). */
  clipboard?: ClipboardPolicy;
}

/** Resolves a VM reference to a running VM's display, or throws (not found, not running). */
export type ResolveDisplay = (vmRef: string) => Promise<DisplayTarget>;

/**
 * Every open display of the engine: one relay per viewer port, grouped by VM, closed when the VM's
 * session ends or the viewer goes away.
 */
export class DisplayService {
  private readonly byVm = new Map<string, Set<VncRelay>>();
  private readonly watched = new WeakSet<Promise<unknown>>();

  constructor(
    private readonly resolve: ResolveDisplay,
    private readonly options: VncRelayOptions = {},
  ) {}

  /** Number of open displays of a VM. */
  viewers(vmId: string): number {
    return this.byVm.get(vmId)?.size ?? 0;
  }

  /**
   * Relays `port` to the VM's display. When the VM cannot be shown, the viewer gets
   * `{type:'closed', code, reason}` and the port is closed; resolves with null then.
   */
  async attach(vmRef: string, port: DisplayPortLike): Promise<VncRelay | null> {
    let target: DisplayTarget;
    try {
      target = await this.resolve(vmRef);
    } catch (err) {
      try {
        port.postMessage({ type: 'closed', code: DISPLAY_CLOSE_CODES.notRunning, reason: (err as Error).message });
        port.close?.();
      } catch {
        // the viewer is gone already
      }
      return null;
    }
    const relay = new VncRelay(port, target.socketPath, {
      ...this.options,
      ...(target.clipboard !== undefined ? { clipboard: target.clipboard } : {}),
      ...(target.explainClose ? { explainClose: target.explainClose } : {}),
    });
    let set = this.byVm.get(target.vmId);
    if (!set) this.byVm.set(target.vmId, (set = new Set()));
    set.add(relay);
    relay.onClose(() => {
      const s = this.byVm.get(target.vmId);
      s?.delete(relay);
      if (s?.size === 0) this.byVm.delete(target.vmId);
    });
    if (!this.watched.has(target.ended)) {
      this.watched.add(target.ended);
      const closeVm = (why: unknown) => this.closeVm(target.vmId, DISPLAY_CLOSE_CODES.vmStopped, typeof why === 'string' ? why : 'the VM stopped');
      target.ended.then(closeVm, closeVm);
    }
    await relay.start();
    return relay;
  }

  /** A running VM's clipboard policy changed: every open display of it follows (or is closed to reconnect). */
  setClipboardPolicy(vmId: string, policy: ClipboardPolicy): void {
    for (const relay of [...(this.byVm.get(vmId) ?? [])]) relay.setClipboardPolicy(policy);
  }

  closeVm(vmId: string, code: number = DISPLAY_CLOSE_CODES.normal, reason = 'display closed'): void {
    for (const relay of [...(this.byVm.get(vmId) ?? [])]) relay.close(code, reason);
  }

  closeAll(reason = 'the engine is shutting down'): void {
    for (const vmId of [...this.byVm.keys()]) this.closeVm(vmId, DISPLAY_CLOSE_CODES.normal, reason);
  }
}
