#!/usr/bin/env node
// `npm run test:long`: the fault-injection and soak tests at full length (issue #10 "Prove it"), which
// `npm test` runs with small counts. Builds first (the tests run the built engine), then runs
//   test/integration/fault-engine-kill.test.ts  with HANGAR_FAULT_OPS=100 (kill -9 of the engine mid-operation)
//   test/integration/soak.test.ts               with HANGAR_SOAK_CYCLES=200, HANGAR_SOAK_SNAPSHOTS=100
// Counts already set in the environment win (e.g. HANGAR_FAULT_SEED=123 to replay a failure).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const env = {
  ...process.env,
  HANGAR_FAULT_OPS: process.env.HANGAR_FAULT_OPS ?? '100',
  HANGAR_SOAK_CYCLES: process.env.HANGAR_SOAK_CYCLES ?? '200',
  HANGAR_SOAK_SNAPSHOTS: process.env.HANGAR_SOAK_SNAPSHOTS ?? '100',
};

function run(cmd, args) {
  const res = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit' });
  if (res.error) console.error(res.error.message);
  return res.status === 0;
}

const t0 = Date.now();
console.log(`test:long: fault ops ${env.HANGAR_FAULT_OPS}, soak cycles ${env.HANGAR_SOAK_CYCLES}, snapshot cycles ${env.HANGAR_SOAK_SNAPSHOTS}`);
const ok =
  run(npm, ['run', '--silent', 'build']) &&
  run(process.execPath, [
    join(root, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--project',
    'integration',
    'test/integration/fault-engine-kill.test.ts',
    'test/integration/soak.test.ts',
  ]);
console.log(`test:long: ${ok ? 'passed' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.exit(ok ? 0 : 1);
