import { afterEach, describe, expect, it } from 'vitest';
import { QmpClient } from '../../../../src-main/engine/qmp/qmp-client.js';
import { QmpHmpError } from '../../../../src-main/engine/qmp/qmp-errors.js';
import { hmp, isHmpFailure } from '../../../../src-main/engine/qmp/qmp-hmp.js';
import { FakeQmpPeer } from '../../../fakes/fake-qmp-peer.js';

const clients: QmpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** Replies QEMU 7.2 actually gave (captured live). */
const OUTPUTS: Record<string, string> = {
  'savevm x': 'Error: no block device can store vmstate for snapshot\r\n',
  'hostfwd_add tcp::bogus': "Invalid host forwarding rule 'tcp::bogus' (Bad host port separator)\r\n",
  'hostfwd_add n0 tcp:127.0.0.1:22222-:22': "Could not set up host forwarding rule 'tcp:127.0.0.1:22222-:22'\r\n",
  'hostfwd_remove n0 tcp::2222': 'host forwarding rule for tcp::2222 not found\r\n',
  'hostfwd_add nope tcp::1-:22': "unrecognized netdev id 'nope'\r\n",
  nosuchcmd: "unknown command: 'nosuchcmd'\r\n",
  'info status': 'VM status: paused (prelaunch)\r\n',
  'hostfwd_remove n0 tcp:127.0.0.1:22222': 'host forwarding rule for tcp:127.0.0.1:22222 removed\r\n',
  'delvm x': '',
  'info snapshots': 'List of snapshots present on all disks:\r\nID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT\r\n--        Error:tag          0 B 2026-01-01 00:00:00 00:00:00.000\r\n',
};

async function connected(): Promise<QmpClient> {
  const peer = new FakeQmpPeer();
  peer.handle('human-monitor-command', (cmd) => ({ return: OUTPUTS[cmd.arguments?.['command-line'] as string] ?? '' }));
  const client = new QmpClient();
  clients.push(client);
  await client.connect(peer.clientStream);
  return client;
}

describe('hmp', () => {
  it.each(['savevm x', 'hostfwd_add tcp::bogus', 'hostfwd_add n0 tcp:127.0.0.1:22222-:22', 'hostfwd_remove n0 tcp::2222', 'hostfwd_add nope tcp::1-:22', 'nosuchcmd'])(
    'detects the failure in "%s"',
    async (commandLine) => {
      const client = await connected();
      const error = await hmp(client, commandLine).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QmpHmpError);
      expect(error).toMatchObject({ commandLine, output: OUTPUTS[commandLine] });
    },
  );

  it.each(['info status', 'hostfwd_remove n0 tcp:127.0.0.1:22222', 'delvm x', 'info snapshots'])('passes "%s" through', async (commandLine) => {
    const client = await connected();
    await expect(hmp(client, commandLine)).resolves.toBe(OUTPUTS[commandLine]);
  });

  it('accepts extra failure patterns', () => {
    expect(isHmpFailure('Device not found', [/^Device not found/])).toBe(true);
    expect(isHmpFailure('Device not found')).toBe(false);
  });
});
