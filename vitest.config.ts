import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Test files that use a host-wide resource the others do not, and so must not overlap each other: libvirt
// (ensureLibvirt in test/helpers/libvirt-host.ts checks, configures and starts the one libvirtd, virtlogd and
// "default" pool of the machine without a lock). They run in a "-serial" project, one file at a time, after
// the rest of their stage; everything else in a QEMU project makes its own temp library, runtime folder, ports
// and sshd, and finds its processes by those folders, so two files run side by side (a TCG guest uses about
// one core of CI's two, and much of a file's time is a guest booting).
const SERIAL = {
  integration: ['test/integration/libvirt.test.ts', 'test/integration/libvirt-display.test.ts', 'test/integration/libvirt-input.test.ts', 'test/integration/libvirt-upload.test.ts'],
  hostile: ['test/hostile/libvirt.test.ts'],
  e2e: ['test/e2e/libvirt-library.test.ts', 'test/e2e/libvirt-upload.test.ts'],
};

// Two files at a time in a QEMU project: both cores, one TCG guest each.
const QEMU_WORKERS = 2;

// Projects: fast unit tests of one layer, and integration, hostile and e2e tests against real QEMU, real files
// and real processes. Run a whole stage with its serial part: `vitest run --project 'integration*'`.
export default defineConfig({
  test: {
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
      ...qemuProjects('integration', {
        include: ['test/integration/**/*.test.ts'],
        testTimeout: 120_000,
        hookTimeout: 120_000,
        globalSetup: ['test/helpers/global-setup.ts'],
      }),
      // Hostile input (test/hostile): bad names, sizes, paths, images and documents against the engine,
      // the CLI and the wizard; each refusal must be specific and leave the library and processes as they were.
      ...qemuProjects('hostile', {
        include: ['test/hostile/**/*.test.ts'],
        testTimeout: 60_000,
        hookTimeout: 60_000,
        globalSetup: ['test/helpers/global-setup.ts'],
      }),
      // The built app (out/) in Debian Chromium through playwright-core, with a real engine and QEMU.
      ...qemuProjects('e2e', {
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

/** `<name>` (QEMU_WORKERS files at a time) and `<name>-serial` (SERIAL[name], one at a time, after it). */
function qemuProjects(name: keyof typeof SERIAL, opts: QemuProjectOptions) {
  const common = { environment: 'node', ...opts };
  return [
    { test: { ...common, name, exclude: SERIAL[name], maxWorkers: QEMU_WORKERS } },
    // fileParallelism off with the default groupOrder: vitest runs these in its sequential group, after the others.
    { test: { ...common, name: `${name}-serial`, include: SERIAL[name], fileParallelism: false } },
  ];
}
