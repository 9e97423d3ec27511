// Work a start should do once and then take from a cache, counted (not timed) so a test can prove the second
// start of a machine skipped it: the CI regression check of issue 20 (test/integration/start-cache.test.ts).
// Process-wide, like the caches they watch (host-probe.ts and image-chain.ts keep theirs per process).

const counts = {
  /** probeHost() runs (binaries found, versions, machines, KVM, firmware, swtpm). */
  hostProbe: 0,
  /** Firmware descriptor folders read (loadFirmwareDescriptors). */
  firmwareList: 0,
  /** QEMU run to learn what a binary can do (--version, -machine help, -cpu help, the KVM smoke test). */
  qemuQuery: 0,
  /** Image headers opened and read by the chain check (one per layer). */
  imageHeader: 0,
};

export type WorkKind = keyof typeof counts;

export function countWork(kind: WorkKind): void {
  counts[kind]++;
}

/** A copy of the counters: compare two to see what happened in between. */
export function workCounts(): Readonly<Record<WorkKind, number>> {
  return { ...counts };
}
