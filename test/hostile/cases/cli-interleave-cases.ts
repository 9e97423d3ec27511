// CLI commands interleaved: one row per case (see support/case-types.ts, CliInterleaveCase). No command may
// fail because another command (or the engine one of them started) went away.
import { EXIT } from '../../../src-main/cli/exit-codes.js';
import type { CliInterleaveCase } from '../support/case-types.js';

const quiet = /^$/;

export const cliInterleaveCases: CliInterleaveCase[] = [
  {
    id: 'cli-console-then-stop',
    title: 'stop --force while console follows in the background',
    running: true,
    background: [{ args: (c) => ['console', c.booter], ready: /HANGAR-BOOT-OK/, exit: EXIT.ok, stderr: quiet }],
    steps: [{ args: (c) => ['stop', c.booter, '--force'], exit: EXIT.ok, stderr: quiet }],
  },
  {
    id: 'cli-two-consoles-then-stop',
    title: 'two consoles follow, then stop --force, then list',
    running: true,
    background: [
      { args: (c) => ['console', c.booter], ready: /HANGAR-BOOT-OK/, exit: EXIT.ok, stderr: quiet },
      { args: (c) => ['console', c.booter], ready: /HANGAR-BOOT-OK/, exit: EXIT.ok, stderr: quiet },
    ],
    steps: [
      { args: (c) => ['stop', c.booter, '--force'], exit: EXIT.ok, stderr: quiet },
      { args: () => ['list'], exit: EXIT.ok, stderr: quiet },
    ],
  },
  {
    id: 'cli-parallel-lists',
    title: 'eight list commands started at once on a library no engine serves',
    steps: [{ args: () => ['list', '--json'], exit: EXIT.ok, stderr: quiet, copies: 8 }],
  },
  {
    id: 'cli-parallel-mixed',
    title: 'three info and three argv commands started at once',
    steps: [
      { args: (c) => ['info', c.booter, '--json'], exit: EXIT.ok, stderr: quiet, copies: 3 },
      { args: (c) => ['argv', c.booter], exit: EXIT.ok, stderr: quiet, copies: 3 },
    ],
  },
  {
    id: 'cli-engine-killed',
    title: 'the engine is killed (SIGKILL) while a console follows; the next commands start another',
    running: true,
    background: [{ args: (c) => ['console', c.booter], ready: /HANGAR-BOOT-OK/, exit: EXIT.failure, stderr: /^hangar: engine connection closed: the engine exited while following the console\n$/ }],
    steps: [
      { killEngine: true },
      { args: (c) => ['info', c.booter, '--json'], exit: EXIT.ok, stderr: quiet },
      { args: (c) => ['stop', c.booter, '--force'], exit: EXIT.ok, stderr: quiet },
    ],
  },
  {
    id: 'cli-engine-verb-while-background',
    title: 'hangar engine (foreground) while a background engine serves a console',
    running: true,
    background: [{ args: (c) => ['console', c.booter], ready: /HANGAR-BOOT-OK/, exit: EXIT.ok, stderr: quiet }],
    steps: [
      { args: () => ['engine'], exit: EXIT.locked, stderr: /^hangar: another Hangar engine \(pid \d+\) owns this library \(.*\); connect to it via / },
      { args: (c) => ['stop', c.booter, '--force'], exit: EXIT.ok, stderr: quiet },
    ],
  },
];
