// Waiting for a file's text to say something: watched through its folder (the file may not exist yet), never polled.
import { readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Resolves with the file's text once `done(text)` holds; rejects after `timeoutMs` with its last bytes. */
export function waitForFile(path: string, done: (text: string) => boolean, what: string, timeoutMs = 90_000, encoding: BufferEncoding = 'utf8'): Promise<string> {
  const read = (): string => {
    try {
      return readFileSync(path, encoding);
    } catch {
      return '';
    }
  };
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const body = read();
      if (!done(body)) return false;
      clearTimeout(timer);
      watcher.close();
      resolve(body);
      return true;
    };
    const watcher = watch(dirname(path), (_event, file) => {
      if (file === null || file === basename(path)) check();
    });
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`${what} did not appear in ${path} within ${timeoutMs} ms; last: ${read().slice(-400)}`));
    }, timeoutMs);
    check();
  });
}

/** Resolves when `text` appears in the file. */
export function waitForFileText(path: string, text: string, timeoutMs = 90_000): Promise<string> {
  return waitForFile(path, (body) => body.includes(text), `"${text}"`, timeoutMs);
}
