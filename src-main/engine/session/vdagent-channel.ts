import type { QmpCommands } from '../qmp/qmp-commands.js';

/** The clipboard channel's ids, as `clipboardArgs` (qemu/argv-devices.ts) puts them on QEMU's command line. */
export const VDAGENT_CHANNEL = {
  chardev: 'vdagent0',
  port: 'vdagent-port0',
  bus: 'vserial0.0',
  name: 'com.redhat.spice.0',
} as const;

const UNPLUG_TIMEOUT_MS = 10_000;

/** Whether this QEMU has the clipboard's vdagent chardev now (started with sharing on, and not detached). */
export async function hasVdagentChannel(qmp: Pick<QmpCommands, 'execute'>): Promise<boolean> {
  const chardevs = await qmp.execute('query-chardev');
  return chardevs.some((c) => c.label === VDAGENT_CHANNEL.chardev);
}

/**
 * Takes the vdagent port and chardev out. QEMU 7.2's qemu-vdagent chardev blocks migration (so `snapshot-save`)
 * while it exists, and a snapshot's virtio-serial state must list the same ports as the machine it is loaded into.
 * The guest sees the port go (its agent sees the device vanish) and come back. Resolves false when there was none.
 */
export async function detachVdagentChannel(qmp: QmpCommands): Promise<boolean> {
  if (!(await hasVdagentChannel(qmp))) return false; // e.g. a reattached run whose QEMU never had it
  // Subscribed before the command: the guest acknowledges the unplug, then QEMU announces it.
  const abort = new AbortController();
  const deleted = qmp.expectEvent('DEVICE_DELETED', { predicate: (d) => d['device'] === VDAGENT_CHANNEL.port, timeoutMs: UNPLUG_TIMEOUT_MS, signal: abort.signal });
  deleted.catch(() => undefined);
  try {
    await qmp.execute('device_del', { id: VDAGENT_CHANNEL.port });
  } catch (err) {
    abort.abort();
    throw err;
  }
  await deleted;
  await qmp.execute('chardev-remove', { id: VDAGENT_CHANNEL.chardev });
  return true;
}

/** Puts the vdagent chardev and port back, as the command line had them (clipboard on, mouse off). */
export async function attachVdagentChannel(qmp: Pick<QmpCommands, 'execute'>): Promise<void> {
  await qmp.execute('chardev-add', { id: VDAGENT_CHANNEL.chardev, backend: { type: 'qemu-vdagent', data: { clipboard: true, mouse: false } } });
  await qmp.execute('device_add', { driver: 'virtserialport', id: VDAGENT_CHANNEL.port, bus: VDAGENT_CHANNEL.bus, chardev: VDAGENT_CHANNEL.chardev, name: VDAGENT_CHANNEL.name });
}

/**
 * Runs a snapshot job with the vdagent channel detached, and attaches it again afterwards whether the job
 * worked or not (unless QEMU is gone). `channel`: whether QEMU has it (false: the job runs as it always did,
 * with no extra command; 'ask': query QEMU).
 */
export async function withVdagentDetached<T>(qmp: QmpCommands, channel: boolean | 'ask', job: () => Promise<T>): Promise<T> {
  const detached = channel !== false && (await detachVdagentChannel(qmp));
  try {
    return await job();
  } finally {
    if (detached) await attachVdagentChannel(qmp).catch(() => undefined);
  }
}
