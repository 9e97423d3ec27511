// Helpers shared by the benches: statistics, the bare-QEMU argv, and the QEMU processes of a run.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Median of a list of numbers; NaN for an empty list. */
export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The argv of bare QEMU from Hangar's: the inherited-fd QMP chardev and its monitor become a
 * `-qmp unix:` socket in `bareDir`, `-S` goes, the runtime folder becomes `bareDir`, and each
 * `[from, to]` of `replace` (serial log, disk) is swapped in every argument.
 */
export function bareArgv(hangarArgv, { runtimeDir, bareDir, replace = [] }) {
  const out = [];
  for (let i = 0; i < hangarArgv.length; i++) {
    const a = hangarArgv[i];
    const next = hangarArgv[i + 1];
    if (a === '-S') continue;
    if (a === '-chardev' && /^socket,id=qmp,fd=\d+/.test(next ?? '')) {
      i++;
      continue;
    }
    if (a === '-mon' && /chardev=qmp\b/.test(next ?? '')) {
      i++;
      out.push('-qmp', `unix:${join(bareDir, 'qmp.sock')},server=on,wait=off`);
      continue;
    }
    let arg = a.split(runtimeDir).join(bareDir);
    for (const [from, to] of replace) arg = arg.split(from).join(to);
    out.push(arg);
  }
  if (!out.includes('-qmp')) throw new Error('no `-chardev socket,id=qmp,fd=…` / `-mon chardev=qmp` pair in the argv');
  return out;
}

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

/**
 * The accelerator the benches ran under, as Hangar's host probe decides it (`hangar host --json`): an existing
 * /dev/kvm is not a usable one (no permission, nested KVM that aborts QEMU), so never infer it from the file.
 */
export function acceleratorOf(host) {
  return host?.kvm?.usable ? 'KVM (usable, per the host probe)' : `TCG (KVM not usable: ${host?.kvm?.reason ?? 'the host probe gave no verdict'})`;
}
