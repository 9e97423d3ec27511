// A clone's own NoCloud seed. cloud-init keys its once-per-instance work (SSH host keys, users, host name)
// on meta-data's instance-id: a clone that kept the source's id would boot as the same instance and keep
// the source's host keys. So the clone gets the source's seed with the instance-id replaced; the user-data
// (users, password hash, keys) stays as it was, since nothing else is ever kept to rebuild it from.
import { stat } from 'node:fs/promises';
import { readIsoFileBytes } from '../iso/iso-files.js';
import { buildIso } from '../iso/iso-writer.js';
import { SEED_VOLUME_ID } from './cloud-seed.js';

/** Our seeds are a few kilobytes; anything larger is not one of ours and is copied as it is. */
const SEED_MAX_BYTES = 1024 * 1024;
const INSTANCE_ID_LINE = /^instance-id: .*$/m;

/**
 * The seed at `file` rebuilt with `instanceId`, or null when it is not a seed we wrote (no meta-data and
 * user-data, no instance-id line): the caller then copies it unchanged.
 */
export async function reseedWithInstanceId(file: string, instanceId: string): Promise<Buffer | null> {
  if ((await stat(file)).size > SEED_MAX_BYTES) return null;
  // The writer's ECMA-119 names for meta-data and user-data (the Joliet tree keeps the real ones).
  const read = (name: string) => readIsoFileBytes(file, name).then((b) => b.toString('utf8'), () => null);
  const [meta, user] = await Promise.all([read('META_DAT'), read('USER_DAT')]);
  if (meta === null || user === null || !INSTANCE_ID_LINE.test(meta)) return null;
  const metaData = meta.replace(INSTANCE_ID_LINE, `instance-id: ${JSON.stringify(instanceId)}`);
  return buildIso({ volumeId: SEED_VOLUME_ID, files: [{ name: 'meta-data', data: metaData }, { name: 'user-data', data: user }] });
}
