// The shapes of corpus entries: each hostile input is one table row; the runners do the checking.
import type { EngineClient, EngineErrorCode } from '../../../src-shared/contract/index.js';
import type { HostileWorld } from './hostile-world.js';

/** What a hostile request must be answered with: a specific error code and words that explain it. */
export interface Refusal {
  code: EngineErrorCode;
  message: RegExp;
}

/** A stopped VM every engine case may aim at: a 1 GiB qcow2 disk0 and a NAT network. */
export interface TargetVm {
  id: string;
  name: string;
  bundleDir: string;
}

export interface EngineCaseContext {
  client: EngineClient;
  world: HostileWorld;
  target: TargetVm;
  libraryDir: string;
  controlSocket: string;
  /** A TCP port on 127.0.0.1 some other program holds for the whole run. */
  busyPort: number;
}

/**
 * One engine-contract case. `refused`: the call must fail with that error, leaving the library, the
 * hostile files and /etc/shadow byte-for-byte unchanged and no QEMU process behind. `accepted`: hostile
 * but legitimate input (a name with a slash): the check proves it stayed contained; the runner then
 * deletes the VM and the library must be back to what it was.
 */
export type EngineCase = {
  id: string;
  title: string;
  /** Sets the stage (not checked): e.g. a VM whose document a patch pointed at a system file. */
  prepare?(ctx: EngineCaseContext): Promise<void>;
  run(ctx: EngineCaseContext): Promise<unknown>;
} & ({ refused: Refusal } | { accepted(ctx: EngineCaseContext, result: unknown): Promise<void> | void });

export interface CliCaseContext {
  world: HostileWorld;
  /** The id of a stopped VM with a qcow2 disk0. */
  target: string;
  libraryDir: string;
  busyPort: number;
}

/**
 * One CLI case: `hangar --library <test library> ...args` must exit with `exit` and say `stderr` (the exit
 * codes of src-main/cli/exit-codes.ts), changing nothing. A case may pass its own `--library` (the last one wins).
 */
export interface CliCase {
  id: string;
  title: string;
  args(ctx: CliCaseContext): string[];
  exit: number;
  stderr: RegExp;
}

/** One command of an interleaving: `hangar --library <test library> ...args`, its exit code and stderr. */
export interface CliStep {
  args(ctx: CliInterleaveContext): string[];
  exit: number;
  stderr: RegExp;
  /** Runs this many copies at once (each must give the same result). */
  copies?: number;
}

export interface CliInterleaveContext extends CliCaseContext {
  /** A VM that boots the fixture image (prints `HANGAR-BOOT-OK` on serial); stopped between cases. */
  booter: string;
}

/**
 * CLI commands interleaved with each other and with engine trouble. `running`: the booter is started
 * first. `background`: commands started at once and left running until each printed its `ready` text on
 * stdout; then `steps` run in order (a `killEngine` step SIGKILLs the engine that serves the library). Every
 * command must end with its exit code and stderr, and afterwards no QEMU and no engine may be left running.
 */
export interface CliInterleaveCase {
  id: string;
  title: string;
  running?: boolean;
  background?: Array<CliStep & { ready: RegExp }>;
  steps: Array<CliStep | { killEngine: true }>;
}
