import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCloudInit, cloudSeedIso } from '../../../../src-main/engine/cloud-init/cloud-seed.js';
import { reseedWithInstanceId } from '../../../../src-main/engine/cloud-init/clone-seed.js';
import { readIsoFileBytes } from '../../../../src-main/engine/iso/iso-files.js';
import { buildIso } from '../../../../src-main/engine/iso/iso-writer.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'hangar-clone-seed-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('a clone\'s cloud-init seed', () => {
  it('is the source seed with a new instance-id: same host name and user-data', async () => {
    const dir = tmp();
    const v = checkCloudInit({ user: 'alice', password: 'secret pw', hostname: 'box-1', userData: '#cloud-config\nruncmd: [true]\n' }, { instanceId: 'source-id', vmName: 'box' });
    const file = join(dir, 'cidata.iso');
    writeFileSync(file, cloudSeedIso(v));
    const seed = await reseedWithInstanceId(file, 'clone-"id"');
    expect(seed).not.toBeNull();
    const out = join(dir, 'clone.iso');
    writeFileSync(out, seed!);
    expect((await readIsoFileBytes(out, 'META_DAT')).toString()).toBe('instance-id: "clone-\\"id\\""\nlocal-hostname: "box-1"\n');
    expect(await readIsoFileBytes(out, 'USER_DAT')).toEqual(await readIsoFileBytes(file, 'USER_DAT'));
  });

  it('is null (copied unchanged) for media that is not a seed we wrote', async () => {
    const dir = tmp();
    const noMeta = join(dir, 'a.iso');
    writeFileSync(noMeta, buildIso({ volumeId: 'cidata', files: [{ name: 'user-data', data: '#cloud-config\n' }] }));
    const noId = join(dir, 'b.iso');
    writeFileSync(noId, buildIso({ volumeId: 'cidata', files: [{ name: 'meta-data', data: 'local-hostname: x\n' }, { name: 'user-data', data: '#cloud-config\n' }] }));
    const notIso = join(dir, 'c.iso');
    writeFileSync(notIso, Buffer.alloc(40_000));
    for (const f of [noMeta, noId, notIso]) expect(await reseedWithInstanceId(f, 'x'), f).toBeNull();
  });
});
