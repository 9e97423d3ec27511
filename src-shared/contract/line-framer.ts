/** Default longest line a {@link LineFramer} accepts (in UTF-16 code units): 64 MiB. */
export const DEFAULT_MAX_LINE = 64 * 1024 * 1024;

/**
 * Splits a text stream into newline-delimited lines (the engine control socket's framing).
 * Pure and runtime-free: feed it decoded text chunks, get back the complete lines.
 *
 * - Lines that are empty or only whitespace are skipped; other lines are returned as they are
 *   (not trimmed, without the `\n`).
 * - An incomplete last line is kept until a later chunk completes it.
 * - A line longer than `maxLength` (complete or still pending) sets {@link overflowed}: the framer
 *   then drops what it holds and returns nothing more. Lines completed before the long one are
 *   still returned by that `push`.
 */
export class LineFramer {
  private buffer = '';
  private over = false;

  constructor(readonly maxLength: number = DEFAULT_MAX_LINE) {}

  /** True once a line exceeded `maxLength`; the stream should then be dropped. */
  get overflowed(): boolean {
    return this.over;
  }

  /** The incomplete line held so far (for tests and diagnostics). */
  get pending(): string {
    return this.buffer;
  }

  push(chunk: string): string[] {
    if (this.over) return [];
    const lines: string[] = [];
    // Only the new chunk is searched for line ends: searching the whole pending line again on every chunk
    // made a long line without a newline cost O(n²) (a 64 MiB one froze the engine for seconds).
    let pending = this.buffer;
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      const line = pending + chunk.slice(start, nl);
      pending = '';
      start = nl + 1;
      if (line.length > this.maxLength) return this.overflow(lines);
      if (line.trim()) lines.push(line);
    }
    const rest = pending + chunk.slice(start);
    if (rest.length > this.maxLength) return this.overflow(lines);
    this.buffer = rest;
    return lines;
  }

  private overflow(lines: string[]): string[] {
    this.over = true;
    this.buffer = '';
    return lines;
  }
}
