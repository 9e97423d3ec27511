import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './test/helpers/longest-first-sequencer.js';

// Two files at a time in a QEMU project: both cores, one TCG guest each. Each file makes its own temp library,
// runtime folder, ports and sshd, and finds its processes by those folders; the libvirt files share the host's one
// libvirtd, whose set-up takes a host-wide lock (ensureLibvirt in test/helpers/libvirt-host.ts), and name their own
// domains and volumes, so they run side by side too.
const QEMU_WORKERS = 2;

// Projects: fast unit tests of one layer, and integration, hostile and e2e tests against real QEMU, real files
// and real processes. Run a whole stage: `vitest run --project 'integration*'`.
export default defineConfig({
  test: {
    // The longest files first (test/file-durations.json), so a stage's two workers end together.
    sequence: { sequencer: LongestFirstSequencer },
    // Vitest's run-mode default is one worker fewer than the cores: one on CI's 2-core machines, where the unit
    // project (mostly jsdom renderer tests, waiting on nothing) then runs file after file. Projects that start
    // QEMU set their own count.
    maxWorkers: availableParallelism(),
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // A budget, not a wait: renderer tests took 17-23 s each beside a CPU hog on a loaded 2-core machine.
          testTimeout: 60_000,
          // Renderer tests (jsdom): testing-library waits up to 15 s, not 1 s (test/helpers/dom-timeouts.ts).
          setupFiles: ['test/helpers/dom-timeouts.ts'],
        },
      },
      qemuProject('integration', {
        include: ['test/integration/**/*.test.ts'],
        testTimeout: 120_000,
        hookTimeout: 120_000,
        globalSetup: ['test/helpers/global-setup.ts'],
      }),
      // Hostile input (test/hostile): bad names, sizes, paths, images and documents against the engine,
      // the CLI and the wizard; each refusal must be specific and leave the library and processes as they were.
      qemuProject('hostile', {
        include: ['test/hostile/**/*.test.ts'],
        testTimeout: 60_000,
        hookTimeout: 60_000,
        globalSetup: ['test/helpers/global-setup.ts'],
      }),
      // The built app (out/) in Debian Chromium through playwright-core, with a real engine and QEMU.
      qemuProject('e2e', {
        include: ['test/e2e/**/*.test.ts'],
        testTimeout: 180_000,
        hookTimeout: 180_000,
      }),
    ],
  },
});

interface QemuProjectOptions {
  include: string[];
  testTimeout: number;
  hookTimeout: number;
  globalSetup?: string[];
}

/** A QEMU stage's project: QEMU_WORKERS files at a time. */
function qemuProject(name: 'integration' | 'hostile' | 'e2e', opts: QemuProjectOptions) {
  return { test: { environment: 'node', ...opts, name, maxWorkers: QEMU_WORKERS } };
}
