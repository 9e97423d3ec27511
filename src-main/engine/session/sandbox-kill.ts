/**
 * QEMU runs under `-sandbox on` (qemu/argv-sandbox.ts): a forbidden system call (starting a program, changing
 * its user id) kills it with SIGSYS before it can print anything. Said in words, since its log is empty.
 */
export function sandboxKillNote(signal: string | null | undefined): string | null {
  if (signal !== 'SIGSYS') return null;
  return 'QEMU was stopped by its sandbox (SIGSYS): it tried something the sandbox forbids, such as starting another program; check the extra QEMU arguments';
}
