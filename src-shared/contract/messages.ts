import { z } from 'zod';
import type { CommandName, CommandResults } from './commands.js';
import type { EngineErrorPayload } from './errors.js';
import type { EngineEvent, VmEvent } from './events.js';

/** The wire shape, the same over every transport (MessagePort, Node IPC, WebSocket, unix socket). */
export const requestSchema = z.strictObject({
  type: z.literal('request'),
  id: z.number().int().nonnegative(),
  command: z.string().min(1).max(100),
  args: z.unknown(),
});

export type EngineRequest = { type: 'request'; id: number; command: CommandName; args: unknown };

export type EngineResponse =
  | { type: 'response'; id: number; ok: true; result: CommandResults[CommandName] }
  | { type: 'response'; id: number; ok: false; error: EngineErrorPayload };

export type EngineEventMessage = { type: 'event'; event: VmEvent | EngineEvent };

export type EngineToClient = EngineResponse | EngineEventMessage;
