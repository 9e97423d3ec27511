// The one way to register a renderer → main handler: the sender frame must be ours (app://hangar)
// and the arguments must pass the channel's zod schema before the handler sees them.
import { ipcMain } from 'electron';
import type { IpcMainInvokeEvent } from 'electron';
import type { z } from 'zod';
import type { AppChannel, AppChannels } from '../../src-shared/contract/app-contract.js';
import { isAppUrl } from './app-url.js';

export class UntrustedSenderError extends Error {
  constructor(channel: string) {
    super(`${channel}: IPC from an untrusted frame`);
    this.name = 'UntrustedSenderError';
  }
}

/** senderFrame is null when the frame navigated away or was destroyed; anything not app://hangar is refused. */
export function assertTrustedSender(event: IpcMainInvokeEvent, channel: string): void {
  const frame = event.senderFrame;
  if (!frame || !isAppUrl(frame.url)) throw new UntrustedSenderError(channel);
}

export function parseArgs<T>(channel: string, schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problem = parsed.error.issues.map((i) => `${i.path.join('.') || 'args'}: ${i.message}`).join('; ');
    throw new Error(`${channel}: invalid arguments: ${problem}`);
  }
  return parsed.data;
}

export type TrustedHandler<C extends AppChannel> = (
  args: AppChannels[C]['args'],
  event: IpcMainInvokeEvent,
) => AppChannels[C]['result'] | Promise<AppChannels[C]['result']>;

export function handleTrusted<C extends AppChannel>(channel: C, schema: z.ZodType<AppChannels[C]['args']>, handler: TrustedHandler<C>): void {
  ipcMain.removeHandler(channel);
  ipcMain.handle(channel, async (event, raw: unknown) => {
    assertTrustedSender(event, channel);
    return handler(parseArgs(channel, schema, raw), event);
  });
}
