/** One sample of a running VM's QEMU process, as the `vm.stats` event carries it. */
export interface StatsSample {
  cpuPercent: number;
  rssBytes: number;
  sampledAt: number;
}

/** The graphs show the last minute (the engine samples once a second). */
export const MAX_SAMPLES = 60;

/** Appends a sample, keeping the newest `max`. */
export function pushSample(samples: readonly StatsSample[], s: StatsSample, max = MAX_SAMPLES): StatsSample[] {
  const next = [...samples, s];
  return next.length > max ? next.slice(next.length - max) : next;
}

/**
 * An SVG path (`M x,y L x,y …`) through the values, the newest at the right edge and one slot per sample,
 * so the line scrolls left as samples arrive. `max` is the value at the top edge.
 */
export function sparklinePath(values: readonly number[], width: number, height: number, max: number, slots = MAX_SAMPLES): string {
  if (values.length === 0) return '';
  const step = width / Math.max(1, slots - 1);
  const top = max > 0 ? max : 1;
  const start = width - (values.length - 1) * step;
  return values
    .map((v, i) => {
      const x = start + i * step;
      const y = height - (Math.min(Math.max(v, 0), top) / top) * height;
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

/** CPU as the engine reports it: percent of one core (200 % = two cores busy). */
export function formatCpu(percent: number): string {
  return `${percent < 10 ? percent.toFixed(1) : Math.round(percent)} %`;
}

export function formatMemory(bytes: number): string {
  const mib = bytes / 1024 / 1024;
  if (mib >= 1024) return `${(mib / 1024).toFixed(2)} GiB`;
  return `${Math.round(mib)} MiB`;
}

/** The top of the CPU graph: one full core, or more when the guest uses more. */
export function cpuScale(values: readonly number[]): number {
  return Math.max(100, ...values);
}

/** The top of the memory graph: a little above the highest value seen, so the line stays readable. */
export function memoryScale(values: readonly number[]): number {
  return Math.max(1, ...values) * 1.25;
}
