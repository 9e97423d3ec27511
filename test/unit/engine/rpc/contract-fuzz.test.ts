import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { commandArgs, ENGINE_ERROR_CODES, requestSchema, type CommandName, type VmEvent, type EngineEvent } from '../../../../src-shared/contract/index.js';
import { EngineServer } from '../../../../src-main/engine/rpc/engine-server.js';
import { Engine } from '../../../../src-main/engine/engine.js';
import { makeTestEnv, qemuPidsUnder, type TestEnv } from '../../../helpers/engine-harness.js';
import { inProcessPeer, settle, stubHandlers } from './stub-handlers.js';
import { expectedId, expectedOutcome, fuzzMessage } from './fuzz-arbitraries.js';
import { buildIso } from '../iso/iso-builder.js';

const EDGE_RUNS = 10_000;
const REAL_RUNS = Number(process.env.HANGAR_FUZZ_REAL_RUNS ?? 10_000);
const SEED = Number(process.env.HANGAR_FUZZ_SEED ?? 20_251_125);

describe('contract fuzzing', () => {
  it(`edge with stub handlers: ${EDGE_RUNS} random and malformed messages, each answered once as the contract says`, async () => {
    const handlers = stubHandlers();
    const server = new EngineServer(handlers);
    const { serverSide, peer } = inProcessPeer();
    server.attach(serverSide);
    let sent = 0;
    let oks = 0;
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fuzzMessage(['some-vm', 'x', 'é']), async (message) => {
        const outcome = expectedOutcome(message);
        const r = await peer.ask(message);
        sent++;
        expect(r.type).toBe('response');
        expect(Object.is(r.id, expectedId(message)), `response id ${r.id} for ${JSON.stringify(message)?.slice(0, 200)}`).toBe(true);
        if (outcome === 'ok') {
          oks++;
          expect(r.ok).toBe(true);
        } else {
          expect(r.ok).toBe(false);
          expect(!r.ok && r.error.code).toBe(outcome);
          expect(!r.ok && r.error.message.length).toBeLessThan(20_000);
          if (!r.ok && outcome === 'invalid-args') expect(typeof r.error.details?.['field']).toBe('string');
        }
      }),
      { numRuns: EDGE_RUNS, seed: SEED },
    );
    await settle();
    expect(peer.responses()).toHaveLength(sent);
    expect(handlers.calls).toHaveLength(oks);
    // The mix must exercise every outcome, and reach the handler of most commands.
    const codes = new Set(peer.responses().map((r) => (r.ok ? 'ok' : r.error.code)));
    expect([...codes].sort()).toEqual(['invalid-args', 'invalid-message', 'ok', 'unknown-command']);
    expect(new Set(handlers.calls.map((c) => c.command)).size).toBeGreaterThan(Object.keys(commandArgs).length / 2);
    console.log(`edge fuzz: ${sent} messages (${oks} valid) in ${Date.now() - started} ms`);
  }, 600_000); // CPU-bound: 10,000 messages took 195 s on a loaded 2-core machine

  describe('real engine handlers', () => {
    let t: TestEnv;
    let engine: Engine;
    let seededId: string;
    const events: Array<VmEvent | EngineEvent> = [];

    beforeAll(async () => {
      t = makeTestEnv();
      engine = await Engine.open({ libraryDir: t.libraryDir, env: t.env });
      // One VM the fuzzer can name. Its ISO is removed, so a start is refused at pre-flight and
      // no QEMU can run whatever the fuzzer sends.
      const iso = join(t.root, 'gone.iso');
      writeFileSync(iso, buildIso());
      const { client } = await connect(engine);
      const created = await client.ask({ type: 'request', id: 0, command: 'vm.create', args: { name: 'fuzz target', iso, memoryMiB: 64 } });
      expect(created.ok).toBe(true);
      seededId = created.ok ? (created.result as { id: string }).id : '';
      rmSync(iso);
    });

    afterAll(async () => {
      await engine?.close();
      const orphans = t ? qemuPidsUnder(t.runtimeBase) : [];
      t?.cleanup();
      expect(orphans).toEqual([]);
    });

    async function connect(e: Engine) {
      const { serverSide, peer } = inProcessPeer();
      e.server.attach(serverSide);
      peer.transport.onMessage((m) => {
        const msg = m as { type?: string; event?: VmEvent | EngineEvent };
        if (msg.type === 'event' && msg.event) events.push(msg.event);
      });
      return { client: peer };
    }

    /**
     * A valid vm.create would make a VM the fuzzer could then start: point it at a missing ISO instead.
     * A valid vm.delete would remove the one VM the fuzzer can reach: aim it at a missing VM.
     */
    function defuse(message: unknown): unknown {
      const parsed = requestSchema.safeParse(message);
      // Emptying the CD drive (media.eject, install.finish) would make the seeded VM startable: aim those at a missing VM too.
      const aimAway = ['vm.delete', 'media.eject', 'media.insert', 'install.finish'] as const;
      const cmd = parsed.success ? (aimAway as ReadonlyArray<string>).find((c) => c === parsed.data.command) : undefined;
      if (parsed.success && cmd && commandArgs[cmd as (typeof aimAway)[number]].safeParse(parsed.data.args ?? {}).success) {
        return { ...parsed.data, args: { ...(parsed.data.args as Record<string, unknown>), vm: 'no-such-vm' } };
      }
      if (!parsed.success || parsed.data.command !== 'vm.create') return message;
      if (!commandArgs['vm.create'].safeParse(parsed.data.args ?? {}).success) return message;
      const args: Record<string, unknown> = { ...((parsed.data.args ?? {}) as Record<string, unknown>), iso: '/nonexistent/hangar-fuzz.iso' };
      delete args['existingDisk'];
      return { ...parsed.data, args };
    }

    it(`${REAL_RUNS} random and malformed messages through the engine's handlers on a real engine`, async () => {
      // A fresh server over the real handlers, so the count of clients and answers is ours alone.
      const server = new EngineServer(engine.services.handlers);
      const { serverSide, peer } = inProcessPeer();
      server.attach(serverSide);
      const refs = ['some-vm', seededId, seededId.slice(0, 6), 'fuzz target', 'FUZZ TARGET', 'fuzz', '', '../../etc'];
      let sent = 0;
      const byCode = new Map<string, number>();
      const byCommand = new Map<string, number>();
      /** Unclassified failures (code `internal`) by command and message: not wrong, but worth a typed code. */
      const internals = new Map<string, number>();
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(fuzzMessage(refs), async (raw) => {
          const message = defuse(raw);
          const r = await peer.ask(message);
          sent++;
          expect(Object.is(r.id, expectedId(message))).toBe(true);
          const code = r.ok ? 'ok' : r.error.code;
          expect(['ok', ...ENGINE_ERROR_CODES]).toContain(code);
          byCode.set(code, (byCode.get(code) ?? 0) + 1);
          if (!r.ok && code === 'internal') {
            const key = `${(message as { command: string }).command}: ${r.error.message.slice(0, 160)}`;
            internals.set(key, (internals.get(key) ?? 0) + 1);
          }
          const outcome = expectedOutcome(message);
          if (outcome !== 'ok') expect(code).toBe(outcome);
          else byCommand.set((message as { command: string }).command, (byCommand.get((message as { command: string }).command) ?? 0) + 1);
        }),
        { numRuns: REAL_RUNS, seed: SEED + 1 },
      );
      await settle();
      const elapsed = Date.now() - started;
      expect(peer.responses()).toHaveLength(sent);
      // The engine is still up and answers normally.
      const hello = await peer.ask({ type: 'request', id: 424242, command: 'engine.hello', args: { client: 'after-fuzz' } });
      expect(hello).toMatchObject({ id: 424242, ok: true });
      const list = await peer.ask({ type: 'request', id: 424243, command: 'library.list', args: {} });
      expect(list).toMatchObject({ id: 424243, ok: true });
      // Nothing was started: no state events, no sessions, no QEMU.
      expect(events.filter((e) => e.type === 'vm.state')).toEqual([]);
      expect(engine.sessions.size).toBe(0);
      expect(qemuPidsUnder(t.runtimeBase)).toEqual([]);
      const handled = [...byCommand.keys()] as CommandName[];
      expect(handled.length).toBeGreaterThan(Object.keys(commandArgs).length / 2);
      console.log(
        `real-engine fuzz: ${sent} messages in ${elapsed} ms; answers ${JSON.stringify(Object.fromEntries([...byCode].sort()))}; ` +
          `valid requests per command ${JSON.stringify(Object.fromEntries([...byCommand].sort()))}`,
      );
      if (internals.size) console.log(`internal errors:\n${[...internals].map(([k, n]) => `  ${n}× ${k}`).join('\n')}`);
    }, 900_000); // CPU-bound, like the edge fuzz: minutes when the machine is loaded
  });
});
