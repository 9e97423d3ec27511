import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../../../../src-main/engine/storage/keyed-queue.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('KeyedQueue', () => {
  it('runs tasks of one key one at a time, in call order', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    let running = 0;
    const task = (name: string, ms: number) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([q.run('a', task('1', 20)), q.run('a', task('2', 1)), q.run('a', task('3', 5))]);
    expect(results).toEqual(['1', '2', '3']);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('runs different keys concurrently', async () => {
    const q = new KeyedQueue();
    const order: string[] = [];
    await Promise.all([
      q.run('a', async () => (await sleep(30), order.push('a'))),
      q.run('b', async () => (await sleep(1), order.push('b'))),
    ]);
    expect(order).toEqual(['b', 'a']);
  });

  it('a failing task rejects its caller only; the next task still runs', async () => {
    const q = new KeyedQueue();
    const failed = q.run('a', async () => {
      throw new Error('boom');
    });
    const next = q.run('a', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
