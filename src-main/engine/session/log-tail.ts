import { open } from 'node:fs/promises';

/** The last `maxBytes` of a log file as text (empty when the file does not exist). */
export async function readLogTail(path: string, maxBytes = 4096): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    let text = buffer.toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return text;
  } finally {
    await handle.close();
  }
}

/** QEMU's own complaint in a log tail, for a start that failed (printable text only: never escape sequences). */
export function qemuComplaint(logTail: string): string {
  const lines = logTail.split('\n').map((l) => l.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]+/g, ' ').trim()).filter(Boolean);
  const err = lines.filter((l) => /qemu-system|error|cannot|could not|failed/i.test(l)).pop() ?? lines.pop();
  return err ?? 'no message';
}
