// Work a start begins at QMP's greeting (the serial console's connection, the session record), so it is done while
// QEMU builds its machine before answering qmp_capabilities, not after.
import { describe, expect, it } from 'vitest';
import { QmpClient } from '../../../../src-main/engine/qmp/qmp-client.js';
import { whenGreeted } from '../../../../src-main/engine/session/when-greeted.js';
import { FAKE_GREETING, FakeQmpPeer } from '../../../fakes/fake-qmp-peer.js';

describe('whenGreeted', () => {
  it('begins the work at the greeting, before qmp_capabilities is answered, and gives its result', async () => {
    const peer = new FakeQmpPeer({ autoCapabilities: false });
    const client = new QmpClient();
    const order: string[] = [];
    const early = whenGreeted(client, async () => {
      order.push('work begun');
      return 42;
    });
    const connected = client.connect(peer.clientStream);
    const capabilities = await peer.nextCommand('qmp_capabilities');
    // QEMU's main loop is not running yet: the command waits, the work does not.
    expect(await early.result).toBe(42);
    order.push('capabilities answered');
    peer.reply(capabilities);
    await connected;
    expect(order).toEqual(['work begun', 'capabilities answered']);
    expect(await early.settled()).toBe(42);
    await client.close();
  });

  it('never begins the work when stopped before the greeting; the result rejects, settled() gives undefined', async () => {
    const peer = new FakeQmpPeer({ greeting: false });
    const client = new QmpClient();
    let begun = false;
    const early = whenGreeted(client, async () => {
      begun = true;
      return 1;
    });
    const connected = client.connect(peer.clientStream, { timeoutMs: 20 }).catch((e: Error) => e);
    expect(await connected).toBeInstanceOf(Error);
    early.stop();
    await expect(early.result).rejects.toThrow(/never greeted/);
    expect(await early.settled()).toBeUndefined();
    peer.sendJson(FAKE_GREETING); // too late: nothing listens any more
    expect(begun).toBe(false);
  });

  it('passes on the work\'s failure (thrown at once or later), and begins it only once', async () => {
    for (const work of [
      () => {
        throw new Error('no serial socket');
      },
      () => Promise.reject(new Error('no serial socket')),
    ]) {
      const peer = new FakeQmpPeer();
      const client = new QmpClient();
      let calls = 0;
      const early = whenGreeted(client, () => {
        calls++;
        return work();
      });
      await client.connect(peer.clientStream);
      await expect(early.result).rejects.toThrow('no serial socket');
      expect(await early.settled()).toBeUndefined();
      expect(calls).toBe(1);
      await client.close();
    }
  });
});
