/**
 * The listener plumbing every {@link MessageTransport} adapter shares: message and close listener lists,
 * a `closed` flag and a close that fires once. Pure and runtime-free (importable from the renderer without zod).
 */
export interface TransportListeners {
  /** True once {@link finish} has run. */
  readonly closed: boolean;
  /** Calls every message listener, in the order added. Does not check `closed`: adapters that drop late messages check it first. */
  emit(message: unknown): void;
  /** Marks the transport closed and calls every close listener (in the order added) the first time only. */
  finish(reason: string): void;
  onMessage(listener: (message: unknown) => void): void;
  onClose(listener: (reason: string) => void): void;
}

export function transportListeners(): TransportListeners {
  const messageListeners: Array<(message: unknown) => void> = [];
  const closeListeners: Array<(reason: string) => void> = [];
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    emit(message) {
      for (const l of messageListeners) l(message);
    },
    finish(reason) {
      if (closed) return;
      closed = true;
      for (const l of closeListeners) l(reason);
    },
    onMessage: (l) => void messageListeners.push(l),
    onClose: (l) => void closeListeners.push(l),
  };
}
