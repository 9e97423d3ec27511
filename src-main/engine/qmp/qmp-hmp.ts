import type { QmpClient, QmpCallOptions } from './qmp-client.js';
import { asCommands, type QmpCommands } from './qmp-commands.js';
import { QmpHmpError } from './qmp-errors.js';

/**
 * How HMP reports failure inside a successful QMP reply (QEMU 7.2, seen live): `Error: …` from error_report,
 * and a few commands that print their own text (hostfwd_add/remove, unknown commands).
 */
export const HMP_FAILURE_PATTERNS: ReadonlyArray<RegExp> = [
  /^Error:/,
  /^unknown command:/,
  /^Invalid host forwarding rule/,
  /^Could not set up host forwarding rule/,
  /^host forwarding rule for .* not found/,
  /^unrecognized netdev id/,
  /^Invalid parameter/,
];

export interface HmpOptions extends QmpCallOptions {
  /** Extra failure patterns, tested against the start of the output, for commands not covered above. */
  readonly failurePatterns?: ReadonlyArray<RegExp>;
  /** Outputs that look like failures but are fine for this caller (e.g. removing a rule already gone). */
  readonly tolerate?: ReadonlyArray<RegExp>;
}

/** The client itself or its typed face (a VM session's). */
export type HmpTarget = QmpClient | QmpCommands;

/** Is this HMP output a failure report? Only the start counts, so listings that mention "Error" are fine. */
export function isHmpFailure(output: string, extra: ReadonlyArray<RegExp> = []): boolean {
  const text = output.trimStart();
  return [...HMP_FAILURE_PATTERNS, ...extra].some((pattern) => pattern.test(text));
}

/** Run an HMP command line through human-monitor-command; output reporting failure rejects with QmpHmpError. */
export async function hmp(target: HmpTarget, commandLine: string, options: HmpOptions = {}): Promise<string> {
  const { failurePatterns, tolerate = [], ...callOptions } = options;
  const args = { 'command-line': commandLine };
  const output = await asCommands(target).execute('human-monitor-command', args, callOptions);
  if (tolerate.some((r) => r.test(output.trimStart()))) return output;
  if (isHmpFailure(output, failurePatterns)) throw new QmpHmpError(commandLine, output);
  return output;
}
