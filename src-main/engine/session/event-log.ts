import { open } from 'node:fs/promises';
import type { QmpEventRecord } from '../../../src-shared/contract/index.js';

/** How many QMP events a session keeps (oldest dropped first). */
export const EVENT_LOG_CAPACITY = 500;

/** A bounded ring of the QMP events one session received, for the Logs view (`vm.logs` kind `events`). */
export class EventLog {
  private readonly ring: QmpEventRecord[] = [];
  private start = 0;

  constructor(readonly capacity = EVENT_LOG_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer (got ${capacity})`);
  }

  get size(): number {
    return this.ring.length;
  }

  push(record: QmpEventRecord): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(record);
      return;
    }
    this.ring[this.start] = record;
    this.start = (this.start + 1) % this.capacity;
  }

  /** Oldest first. */
  list(): QmpEventRecord[] {
    return [...this.ring.slice(this.start), ...this.ring.slice(0, this.start)];
  }
}

/** QEMU's event timestamp (seconds + microseconds since the epoch) as ISO 8601; `now` when QEMU gave none. */
export function eventTime(timestamp: { seconds: number; microseconds: number } | undefined, now: () => number = Date.now): string {
  const ms = timestamp && timestamp.seconds > 0 ? timestamp.seconds * 1000 + Math.floor(timestamp.microseconds / 1000) : now();
  return new Date(ms).toISOString();
}

export const formatEvent = (e: QmpEventRecord): string => `${e.at} ${e.event}${Object.keys(e.data).length > 0 ? ` ${JSON.stringify(e.data)}` : ''}`;

/** The newest events whose text lines fit in `maxBytes` (UTF-8), oldest first. */
export function eventsTail(events: readonly QmpEventRecord[], maxBytes: number): { events: QmpEventRecord[]; text: string; truncated: boolean } {
  const kept: string[] = [];
  let bytes = 0;
  let i = events.length - 1;
  for (; i >= 0; i--) {
    const line = formatEvent(events[i]!);
    const size = Buffer.byteLength(line, 'utf8') + 1;
    if (bytes + size > maxBytes) break;
    kept.push(line);
    bytes += size;
  }
  const from = i + 1;
  return { events: events.slice(from), text: kept.reverse().map((l) => `${l}\n`).join(''), truncated: from > 0 };
}

/** The last `maxBytes` of a log file, cut at a line boundary when it is longer; empty when the file does not exist. */
export async function readTextTail(path: string, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return { text: '', truncated: false };
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    // One byte more in front: whether the cut falls right after a newline (then no line is partial).
    const from = Math.max(0, start - 1);
    const buffer = Buffer.alloc(size - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    let bytes = buffer.subarray(0, bytesRead);
    if (start > 0) {
      const nl = bytes.indexOf(0x0a);
      // A single line longer than the whole budget: keep its tail rather than nothing.
      bytes = nl >= 0 && nl < bytes.length - 1 ? bytes.subarray(nl + 1) : bytes.subarray(1);
    }
    return { text: bytes.toString('utf8'), truncated: start > 0 };
  } finally {
    await handle.close();
  }
}

const endedLogs = new WeakMap<object, Map<string, EventLog>>();

/** Keeps the event log of a session that ended, so the Logs view still shows it after the VM stopped. */
export function keepEndedEventLog(engine: object, vmId: string, log: EventLog): void {
  let m = endedLogs.get(engine);
  if (!m) endedLogs.set(engine, (m = new Map()));
  m.set(vmId, log);
}

export function endedEventLog(engine: object, vmId: string): EventLog | undefined {
  return endedLogs.get(engine)?.get(vmId);
}
