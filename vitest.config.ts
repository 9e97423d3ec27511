import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests of one layer, and integration tests against real QEMU, real files and
// real processes. Integration tests run one file at a time: the machine has 2 cores and TCG is CPU-bound.
export default defineConfig({
  test: {
    // Vitest's run-mode default is one worker fewer than the cores: one on CI's 2-core machines, where the unit
    // project (mostly jsdom renderer tests, waiting on nothing) then runs file after file. Projects that start
    // QEMU keep fileParallelism off, which holds them to one worker whatever this says.
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
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
      {
        // Hostile input (test/hostile): bad names, sizes, paths, images and documents against the engine,
        // the CLI and the wizard; each refusal must be specific and leave the library and processes as they were.
        test: {
          name: 'hostile',
          include: ['test/hostile/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
      {
        // The built app (out/) in Debian Chromium through playwright-core, with a real engine and QEMU.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
