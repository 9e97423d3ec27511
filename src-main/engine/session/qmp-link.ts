/**
 * The slice of the QMP client a VM session uses. Kept as an interface so the session can be
 * unit-tested against a scripted peer and so it never depends on how the client is built.
 */
export interface QmpEventMessage {
  event: string;
  data?: Record<string, unknown>;
  /** QEMU's time of the event (absent from scripted peers). */
  timestamp?: { seconds: number; microseconds: number };
}

export interface QmpLink {
  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts?: { timeoutMs?: number }): Promise<T>;
  /** Registers now (before the triggering command is sent); resolves on the first matching event. */
  expectEvent(name: string, opts?: { timeoutMs?: number; predicate?: (data: Record<string, unknown>) => boolean }): Promise<QmpEventMessage>;
  onEvent(listener: (event: QmpEventMessage) => void): () => void;
  onDisconnected(listener: (reason: string) => void): () => void;
  close(): Promise<void>;
}
