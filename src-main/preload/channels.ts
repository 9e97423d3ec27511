// The preload's invoke() allowlist and the types of what each channel returns.
// Shared by the preload (which refuses anything else) and src-main/app/ipc.ts (which handles them).
export interface AppInfo {
  version: string;
  platform: string;
  electron: string;
}

export interface InvokeChannels {
  'app:info': { args: undefined; result: AppInfo };
}

export type InvokeChannel = keyof InvokeChannels;

export const INVOKE_CHANNELS: readonly InvokeChannel[] = ['app:info'];

export function isInvokeChannel(channel: unknown): channel is InvokeChannel {
  return typeof channel === 'string' && (INVOKE_CHANNELS as readonly string[]).includes(channel);
}
