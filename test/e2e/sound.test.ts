// End-to-end test of the guest's sound in the browser host: the fixture Linux plays a tone through its intel-hda
// card, QEMU's VNC audio carries it in the display's RFB stream through serve's /display relay, and the page's
// noVNC hook decodes it into Web Audio. The test reads what entered the page's Web Audio graph (the decoded PCM
// tap and the graph's AnalyserNode) and finds the tone's frequency in it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths, markers } from '../helpers/fixtures.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';
import { engineCall } from './engine-socket.js';
import { detectTone } from '../../src-shared/vnc-audio/tone-detect.js';

const TONE_HZ = 1000;

interface Ctx extends E2eContext {
  origin: string;
  vmId: string;
}
const ctx = {} as Ctx;

const hangar = (...args: string[]) => runHangar(ctx.library, ctx.env, args);

interface PageTap {
  samples: number[];
  rate: number;
  chunks: number;
}

describe('guest sound in the browser host', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('sound', 'hgs'));
    const images = join(ctx.root, 'images');
    mkdirSync(images);
    copyFileSync(fixturePaths.linuxIso, join(images, 'linux.iso'));
    const started = spawnServe({ library: ctx.library, env: ctx.env, allowDir: images });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    ctx.origin = new URL(ctx.url).origin;

    ctx.vmId = (await hangar('create', 'sound-vm', '--iso', join(images, 'linux.iso'), '--memory', '256')).stdout.trim().split(/\s+/).pop()!;
    expect((await hangar('set', ctx.vmId, 'audio=ac97')).stdout).toContain('audio=ac97');
    // The test runtime folder has no sound server socket: no host output, said with its reason.
    expect((await hangar('host')).stdout).toMatch(/^Sound: +no host output: .+ \(the display streams it\)$/m);
    await hangar('start', ctx.vmId, '--wait-for-serial', markers.linuxReady, '--timeout', '180');
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1000, height: 700 }));
    // The test's window into the page's sound (pcm-player.ts reads it): the newest 3 s of decoded samples.
    await ctx.page.addInitScript(() => {
      const tap = {
        samples: [] as number[],
        rate: 0,
        chunks: 0,
        onPcm(s: Float32Array, rate: number) {
          tap.rate = rate;
          tap.chunks++;
          for (const v of s) tap.samples.push(v);
          if (tap.samples.length > rate * 3) tap.samples.splice(0, tap.samples.length - rate * 3);
        },
      };
      (globalThis as Record<string, unknown>)['__hangarAudioTap'] = tap;
    });
    await ctx.page.goto(ctx.url); // sets the token cookie
  }, 300_000);

  afterAll(() => closeE2e(ctx, ctx.vmId ? () => hangar('stop', ctx.vmId, '--force') : undefined));

  it('a tone played in the guest is decoded into the page\'s Web Audio graph at its frequency; mute and volume are on the toolbar', async () => {
    const { page } = ctx;
    await page.goto(`${ctx.origin}/#/display/${ctx.vmId}`);
    const mute = page.getByRole('button', { name: 'Mute sound' });
    await mute.waitFor({ timeout: 30_000 });
    expect(await page.getByRole('slider', { name: 'Volume' }).count()).toBe(1);
    // A user gesture: browsers keep a page's audio suspended until one.
    await page.getByTestId('display-screen').click();

    await engineCall(ctx.url, 'vm.console.write', { vm: ctx.vmId, data: `TONE:${TONE_HZ}\n` });
    const tap = () => page.evaluate(() => {
      const t = (globalThis as Record<string, unknown>)['__hangarAudioTap'] as PageTap;
      return { samples: t.samples.slice(), rate: t.rate, chunks: t.chunks };
    });
    // Two seconds of decoded sound (the guest loads its sound modules first: allow for TCG).
    await expect.poll(async () => (await tap()).samples.length, { timeout: 120_000, interval: 500 }).toBeGreaterThanOrEqual(2 * 44_100);
    await expect
      .poll(async () => {
        const t = await tap();
        return detectTone(t.samples.slice(-Math.round(1.5 * t.rate)), t.rate, TONE_HZ).found;
      }, { timeout: 60_000, interval: 500 })
      .toBe(true);
    const t = await tap();
    const report = detectTone(t.samples.slice(-Math.round(1.5 * t.rate)), t.rate, TONE_HZ);
    console.log(`[sound e2e] decoded PCM at ${t.rate} Hz: crossings ${report.crossingHz.toFixed(1)} Hz, power ratio ${(report.power / report.offPower).toFixed(0)}`);

    // The graph itself: the AnalyserNode after the gain hears the same tone while the context runs.
    const analysed = await page.evaluate(() => {
      const t = (globalThis as Record<string, unknown>)['__hangarAudioTap'] as { analyser?: AnalyserNode; context?: AudioContext };
      if (!t.analyser || !t.context) return null;
      const data = new Float32Array(t.analyser.fftSize);
      t.analyser.getFloatTimeDomainData(data);
      return { state: t.context.state, rate: t.context.sampleRate, data: Array.from(data) };
    });
    expect(analysed?.state).toBe('running');
    await expect
      .poll(async () => {
        const a = await page.evaluate(() => {
          const t = (globalThis as Record<string, unknown>)['__hangarAudioTap'] as { analyser: AnalyserNode; context: AudioContext };
          const data = new Float32Array(t.analyser.fftSize);
          t.analyser.getFloatTimeDomainData(data);
          return { rate: t.context.sampleRate, data: Array.from(data) };
        });
        return detectTone(a.data, a.rate, TONE_HZ, { tolerance: 0.1 }).found;
      }, { timeout: 30_000, interval: 250 })
      .toBe(true);

    // Mute stops the stream at QEMU; unmuting brings it back.
    await mute.click();
    await page.getByRole('button', { name: 'Unmute sound' }).waitFor({ timeout: 10_000 });
    expect(await page.getByRole('slider', { name: 'Volume' }).isDisabled()).toBe(true);
    const chunksMuted = (await tap()).chunks;
    await page.getByRole('button', { name: 'Unmute sound' }).click();
    // The first tone may have ended by now on a loaded machine (QEMU streams only while the guest plays): play again.
    await engineCall(ctx.url, 'vm.console.write', { vm: ctx.vmId, data: `TONE:${TONE_HZ}\n` });
    await expect.poll(async () => (await tap()).chunks, { timeout: 60_000, interval: 250 }).toBeGreaterThan(chunksMuted + 5);
  }, 400_000);
});
