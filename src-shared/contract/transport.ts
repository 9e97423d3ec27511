/**
 * The one thing every transport adapter provides: structured messages in both directions.
 * Adapters (MessagePort, Node IPC, WebSocket, unix socket, in-process) are a few dozen lines each;
 * nothing above this interface knows which one it has.
 */
export interface MessageTransport {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onClose(listener: (reason: string) => void): void;
  close(): void;
}
