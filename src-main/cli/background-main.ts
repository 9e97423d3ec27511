// Entry of the background engine a CLI starts (out/main/background.js): bin/hangar.js loads it instead of the
// CLI bundle for `hangar --library DIR __background-engine`, so a cold CLI's engine process loads the engine's code
// only, not the CLI's verbs and help texts, before it takes the library.
import { homedir } from 'node:os';
import { resolveLibraryDir } from '../engine/storage/library-paths.js';
import { BACKGROUND_ENGINE_VERB } from '../engine/storage/engine-handover.js';
import { runBackgroundEngine } from './background-engine.js';

/** `argv`: exactly `--library DIR __background-engine` (what selfLaunchCommand passes); null for anything else. */
export function backgroundLibraryOf(argv: readonly string[]): string | null {
  return argv.length === 3 && argv[0] === '--library' && argv[2] === BACKGROUND_ENGINE_VERB ? argv[1]! : null;
}

/** Runs the background engine for the library `argv` names; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const library = backgroundLibraryOf(argv);
  if (library === null) {
    process.stderr.write(`hangar: the background engine takes --library DIR ${BACKGROUND_ENGINE_VERB}\n`);
    return 2;
  }
  return runBackgroundEngine(resolveLibraryDir({ argvLibrary: library, env: process.env, platform: process.platform, homedir: homedir() }), process.env);
}
