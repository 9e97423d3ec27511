import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRecentIsos, pushRecent, RecentIsos, RECENT_ISOS_MAX } from '../../../../src-main/engine/media/recent-isos.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-recent-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('recent ISOs', () => {
  it('pushRecent: most recent first, no duplicates, at most 10', () => {
    let list: ReturnType<typeof parseRecentIsos> = [];
    for (let i = 0; i < 12; i++) list = pushRecent(list, `/iso/${i}.iso`, `t${i}`);
    expect(list).toHaveLength(RECENT_ISOS_MAX);
    expect(list[0]).toEqual({ path: '/iso/11.iso', usedAt: 't11' });
    list = pushRecent(list, '/iso/5.iso', 'again');
    expect(list.map((e) => e.path).slice(0, 3)).toEqual(['/iso/5.iso', '/iso/11.iso', '/iso/10.iso']);
    expect(list.filter((e) => e.path === '/iso/5.iso')).toHaveLength(1);
  });

  it('parseRecentIsos drops damage instead of failing', () => {
    expect(parseRecentIsos('not json')).toEqual([]);
    expect(parseRecentIsos('{"isos": 3}')).toEqual([]);
    expect(parseRecentIsos('{"isos":[{"path":"rel.iso","usedAt":"x"},{"path":"/a.iso","usedAt":"y"},{"path":"/b.iso"}]}')).toEqual([{ path: '/a.iso', usedAt: 'y' }]);
  });

  it('stores in <library>/recent-isos.json; lists only files that still exist', async () => {
    const a = join(dir, 'a.iso');
    const b = join(dir, 'b.iso');
    writeFileSync(a, 'aaaa');
    writeFileSync(b, 'bb');
    let t = 0;
    const recent = new RecentIsos(dir, () => new Date(Date.UTC(2025, 0, 1, 0, 0, t++)));
    await Promise.all([recent.add(a), recent.add(b)]);
    expect(await recent.list()).toEqual([
      { path: b, name: 'b.iso', sizeBytes: 2, usedAt: '2025-01-01T00:00:01.000Z' },
      { path: a, name: 'a.iso', sizeBytes: 4, usedAt: '2025-01-01T00:00:00.000Z' },
    ]);
    rmSync(a);
    expect((await recent.list()).map((x) => x.path)).toEqual([b]);
    await recent.add(b);
    expect((JSON.parse(readFileSync(join(dir, 'recent-isos.json'), 'utf8')) as { isos: unknown[] }).isos).toHaveLength(1);
  });

  it('a damaged file is replaced on the next use', async () => {
    writeFileSync(join(dir, 'recent-isos.json'), '{oops');
    const a = join(dir, 'a.iso');
    writeFileSync(a, 'a');
    const recent = new RecentIsos(dir);
    expect(await recent.list()).toEqual([]);
    await recent.add(a);
    expect((await recent.list()).map((x) => x.path)).toEqual([a]);
  });
});
