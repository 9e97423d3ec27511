import { describe, expect, it } from 'vitest';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { serialWait, useEngineSuite } from '../helpers/engine-harness.js';
import { VncAudioClient } from '../helpers/vnc-audio-client.js';
import { fakeChannel } from '../unit/engine/transport/fake-port.js';
import { detectTone } from '../../src-shared/vnc-audio/tone-detect.js';

const TONE_HZ = 1000;

/** Resolves when `check` holds, checking whenever `tick` is called (no polling timer). */
function until(check: () => boolean, subscribe: (tick: () => void) => void, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    subscribe(() => {
      if (check()) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

// The guest plays a square wave through its AC97 card; QEMU (audiodev `none` here: no sound card on this
// host) hands it to the VNC server's audio capture; the engine's display relay carries it to a viewer port,
// where the RFB stream is decoded and the tone's frequency found.
describe('guest sound over the display relay (real QEMU)', () => {
  const s = useEngineSuite();
  // The guest the tone comes from: a fixture cache built from this branch's init (HANGAR_FIXTURES_CACHE).

  it('a tone played in the guest reaches a display viewer as PCM of that frequency', async () => {
    const { e } = s;
    // The engine's host probe: this test's runtime folder has no sound server, so no host output, with the reason.
    const audio = (await e.client.call('host.info', {})).audio;
    expect(audio?.backend).toBe('none');
    expect(audio?.missing).toBeTruthy();
    const { id } = await e.client.call('vm.create', { name: 'tone', iso: fixturePaths.linuxIso, memoryMiB: 256, cpus: 1 });
    await e.client.call('vm.update', { vm: id, patch: { audio: { device: 'ac97' } } });
    await serialWait(e.client, id, markers.linuxReady, () => e.client.call('vm.start', { vm: id }), 120_000);

    // A viewer's port on the engine's relay, as Electron's main would hand one over.
    const { port1: viewer, port2: enginePort } = fakeChannel();
    const ticks: Array<() => void> = [];
    const tick = () => ticks.forEach((t) => t());
    const client = new VncAudioClient((bytes) => viewer.postMessage(bytes));
    let received = 0;
    viewer.on('message', (m: { data: unknown }) => {
      if (m.data instanceof Uint8Array) {
        client.feed(m.data);
        received += m.data.length;
        if (received >= 64 * 1024) {
          viewer.postMessage({ type: 'ack', bytes: received }); // the relay's backpressure
          received = 0;
        }
        tick();
      }
    });
    viewer.start();
    const relay = await e.engine.services.displays.attach(id, enginePort);
    expect(relay).not.toBeNull();
    await until(() => client.events.includes('ack'), (t) => ticks.push(t), 30_000, "QEMU's audio acknowledgement");

    // Nothing audible before the guest plays.
    const before = client.left.length;
    await serialWait(e.client, id, `HANGAR-LINUX-TONE:${TONE_HZ}`, () => e.client.call('vm.console.write', { vm: id, data: `TONE:${TONE_HZ}\n` }), 60_000);
    const silent = client.left.slice(0, before);
    expect(detectTone(silent, client.rate, TONE_HZ).found).toBe(false);

    // Two seconds of sound after the guest said it started.
    const from = client.left.length;
    await until(() => client.left.length - from >= 2 * client.rate, (t) => ticks.push(t), 90_000, 'two seconds of sound');
    const window = client.left.slice(from + Math.round(0.5 * client.rate), from + 2 * client.rate);
    const report = detectTone(window, client.rate, TONE_HZ);
    console.log(`[vnc-audio] tone ${TONE_HZ} Hz: crossings ${report.crossingHz.toFixed(1)} Hz, power ratio ${(report.power / report.offPower).toFixed(0)}, rms ${report.rms.toFixed(3)}`);
    expect(report.found, JSON.stringify(report)).toBe(true);
    expect(client.events).toContain('begin');
    // The same samples at another frequency: not found.
    expect(detectTone(window, client.rate, 800).found).toBe(false);

    viewer.close();
    await e.client.call('vm.forceOff', { vm: id });
  }, 300_000);
});

