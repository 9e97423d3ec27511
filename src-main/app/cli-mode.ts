// `Hangar --cli VERB ...`: the packaged app's `hangar` command. The RunAsNode fuse is off, so the app binary
// cannot run out/main/cli.js as plain Node; instead main.ts sees `--cli` and runs the CLI in this process,
// with no window, no single-instance lock and no engine of its own, then exits with the CLI's code.
import { app } from 'electron';

/** The CLI's arguments when the app was started as `… --cli ARGS`; null for a normal start. */
export function cliArgs(argv: readonly string[]): string[] | null {
  const at = argv.indexOf('--cli');
  if (at < 0) return null;
  // Chromium switches the launcher adds (e.g. --ozone-platform=headless) are not the CLI's.
  return argv.slice(at + 1).filter((a) => !/^--(ozone-platform|no-sandbox|disable-gpu)(=|$)/.test(a));
}

/** Runs the CLI and exits the app with its exit code. */
export async function runCliMode(args: string[], loadCli: () => Promise<{ main: (argv: string[]) => Promise<number> }> = () => import('../cli/main.js')): Promise<void> {
  app.dock?.hide();
  let code = 1;
  try {
    const { main } = await loadCli();
    code = await main(args);
  } catch (err) {
    process.stderr.write(`hangar: ${(err as Error).message ?? String(err)}\n`);
  }
  app.exit(code);
}
