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
  /** A libvirt connection's name: the command runs on that connection's backend (absent: This computer). */
  connection: z.string().min(1).max(40).optional(),
});

export type EngineRequest = { type: 'request'; id: number; command: CommandName; args: unknown; connection?: string };

export type EngineResponse =
  | { type: 'response'; id: number; ok: true; result: CommandResults[CommandName] }
  | { type: 'response'; id: number; ok: false; error: EngineErrorPayload };

export type EngineEventMessage = { type: 'event'; event: VmEvent | EngineEvent };

export type EngineToClient = EngineResponse | EngineEventMessage;
