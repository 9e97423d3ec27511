// QEMU processes of a bench run, found by the runtime folder their command line names (shared by the benches).
import { readFileSync, readdirSync } from 'node:fs';

/** QEMU processes whose command line names a path under `dir`. */
export function qemuPidsUnder(dir) {
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes('qemu-system') && cmd.includes(dir)) pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids;
}

/** SIGKILLs every QEMU under `dir` (bench clean-up; the VMs are throwaway). */
export function killQemuUnder(dir) {
  for (const pid of qemuPidsUnder(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
