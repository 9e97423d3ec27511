import { describe, expect, it } from 'vitest';
import { EngineError, ENGINE_ERROR_CODES } from '../../../../src-shared/contract/index.js';
import { VmDocumentError } from '../../../../src-shared/vm-document/index.js';
import { IllegalTransitionError } from '../../../../src-shared/vm-state.js';
import { EngineServer } from '../../../../src-main/engine/rpc/engine-server.js';
import { toEngineError } from '../../../../src-main/engine/rpc/to-engine-error.js';
import { StoreError } from '../../../../src-main/engine/storage/store-error.js';
import { COMMANDS, inProcessPeer, settle, stubHandlers, type RawPeer } from './stub-handlers.js';
import { commandsWithoutSample, sampleArgs, validArgs } from './valid-args.js';

function serve(override: Parameters<typeof stubHandlers>[0] = {}): { server: EngineServer; peer: RawPeer; handlers: ReturnType<typeof stubHandlers> } {
  const handlers = stubHandlers(override);
  const server = new EngineServer(handlers);
  const { serverSide, peer } = inProcessPeer();
  server.attach(serverSide);
  return { server, peer, handlers };
}

const req = (id: number, command: string, args: unknown): Record<string, unknown> => ({ type: 'request', id, command, args });

describe('EngineServer edge validation', () => {
  it('every contract command has sample arguments in valid-args.ts (the fuzzer mutates them)', () => {
    expect(commandsWithoutSample(COMMANDS), 'add a valid sample for these to test/unit/engine/rpc/valid-args.ts').toEqual([]);
  });

  it('answers a valid request for every command with the handler result', async () => {
    const { peer, handlers } = serve();
    let id = 1;
    for (const command of COMMANDS.filter((c) => validArgs[c])) {
      const r = await peer.ask(req(id, command, sampleArgs(command)));
      expect(r).toEqual({ type: 'response', id, ok: true, result: { echo: command, args: sampleArgs(command) } });
      id++;
    }
    expect(handlers.calls.map((c) => c.command)).toEqual(COMMANDS.filter((c) => validArgs[c]));
  });

  it.each([
    ['a string', 'hello'],
    ['a number', 42],
    ['null', null],
    ['an array', [1, 2, 3]],
    ['a boolean', true],
  ])('answers a message that is %s with invalid-message (id -1)', async (_what, message) => {
    const { peer } = serve();
    const r = await peer.ask(message);
    expect(r).toMatchObject({ type: 'response', id: -1, ok: false, error: { code: 'invalid-message' } });
  });

  it('answers a request without an id with invalid-message naming the field', async () => {
    const { peer } = serve();
    const r = await peer.ask({ type: 'request', command: 'library.list', args: {} });
    expect(r).toMatchObject({ id: -1, ok: false, error: { code: 'invalid-message' } });
    expect(!r.ok && r.error.message).toMatch(/\bid\b/);
  });

  it.each([
    ['a string id', { type: 'request', id: '7', command: 'library.list', args: {} }, -1, /\bid\b/],
    ['a negative id', { type: 'request', id: -3, command: 'library.list', args: {} }, -3, /\bid\b/],
    ['a fractional id', { type: 'request', id: 1.5, command: 'library.list', args: {} }, 1.5, /\bid\b/],
    ['the wrong type', { type: 'event', id: 4, command: 'library.list', args: {} }, 4, /\btype\b/],
    ['no type', { id: 5, command: 'library.list', args: {} }, 5, /\btype\b/],
    ['a numeric command', { type: 'request', id: 6, command: 12, args: {} }, 6, /\bcommand\b/],
    ['an empty command', { type: 'request', id: 7, command: '', args: {} }, 7, /\bcommand\b/],
    ['an extra top-level field', { type: 'request', id: 8, command: 'library.list', args: {}, sneaky: 1 }, 8, /sneaky/],
  ])('answers a request with %s with invalid-message', async (_what, message, id, mentions) => {
    const { peer, handlers } = serve();
    const r = await peer.ask(message);
    expect(r).toMatchObject({ type: 'response', id, ok: false, error: { code: 'invalid-message' } });
    expect(!r.ok && r.error.message).toMatch(mentions);
    expect(handlers.calls).toEqual([]);
  });

  it('answers an unknown command with unknown-command naming it, including inherited property names', async () => {
    const { peer, handlers } = serve();
    for (const [id, command] of [[1, 'vm.explode'], [2, 'toString'], [3, '__proto__'], [4, 'constructor'], [5, 'hasOwnProperty']] as const) {
      const r = await peer.ask(req(id, command, {}));
      expect(r).toMatchObject({ id, ok: false, error: { code: 'unknown-command' } });
      expect(!r.ok && r.error.message).toContain(command);
    }
    expect(handlers.calls).toEqual([]);
  });

  it.each([
    ['vm.get', { vm: 42 }, 'vm'],
    ['vm.get', {}, 'vm'],
    ['vm.get', { vm: '' }, 'vm'],
    ['vm.delete', { vm: 'x' }, 'files'],
    ['vm.delete', { vm: 'x', files: 'yes' }, 'files'],
    ['vm.create', { name: '   ' }, 'name'],
    ['vm.create', { name: 'x', memoryMiB: 1.5 }, 'memoryMiB'],
    ['vm.create', { name: 'x', cpus: 0 }, 'cpus'],
    ['vm.create', { name: 'x', firmware: 'coreboot' }, 'firmware'],
    ['vm.create', { name: 'x', diskSizeGiB: -1 }, 'diskSizeGiB'],
    ['vm.update', { vm: 'x', patch: [1] }, 'patch'],
    ['vm.update', { vm: 'x', patch: 'memoryMiB=4' }, 'patch'],
    ['vm.shutdown', { vm: 'x', timeoutMs: 0 }, 'timeoutMs'],
    ['vm.console.attach', { vm: 'x', tailBytes: -1 }, 'tailBytes'],
    ['engine.hello', { client: 'x'.repeat(101) }, 'client'],
  ])('answers %s with bad args %j with invalid-args naming %s', async (command, args, field) => {
    const { peer, handlers } = serve();
    const r = await peer.ask(req(9, command, args));
    expect(r).toMatchObject({ id: 9, ok: false, error: { code: 'invalid-args', details: { field } } });
    expect(!r.ok && r.error.message).toContain(field);
    expect(handlers.calls).toEqual([]);
  });

  it.each([
    ['a string', 'vm-name'],
    ['a number', 3],
    ['an array', ['x']],
  ])('answers args that are %s with invalid-args', async (_what, args) => {
    const { peer } = serve();
    const r = await peer.ask(req(10, 'vm.get', args));
    expect(r).toMatchObject({ id: 10, ok: false, error: { code: 'invalid-args', details: { field: '(arguments)' } } });
  });

  it('requires the args field, but treats null args as an empty object', async () => {
    const { peer } = serve();
    const missing = await peer.ask({ type: 'request', id: 11, command: 'library.list' });
    expect(missing).toMatchObject({ id: 11, ok: false, error: { code: 'invalid-message' } });
    expect(!missing.ok && missing.error.message).toMatch(/\bargs\b/);
    expect(await peer.ask(req(12, 'library.list', null))).toMatchObject({ id: 12, ok: true });
    expect(await peer.ask(req(13, 'vm.get', null))).toMatchObject({ id: 13, ok: false, error: { code: 'invalid-args', details: { field: 'vm' } } });
  });

  it('answers extra argument fields with invalid-args naming the unexpected field', async () => {
    const { peer, handlers } = serve();
    const r = await peer.ask(req(13, 'vm.get', { vm: 'x', colour: 'red' }));
    expect(r).toMatchObject({ id: 13, ok: false, error: { code: 'invalid-args', details: { field: 'colour' } } });
    expect(!r.ok && r.error.message).toContain('colour');
    expect(handlers.calls).toEqual([]);
  });

  it('answers huge strings with a typed error and a bounded message', async () => {
    const { peer, handlers } = serve();
    const huge = 'x'.repeat(5_000_000);
    const r1 = await peer.ask(req(14, huge, {}));
    expect(r1).toMatchObject({ id: 14, ok: false, error: { code: 'invalid-message' } });
    const r2 = await peer.ask(req(15, 'vm.typeText', { vm: 'x', text: huge }));
    expect(r2).toMatchObject({ id: 15, ok: false, error: { code: 'invalid-args', details: { field: 'text' } } });
    const r3 = await peer.ask(req(16, 'vm.get', { vm: huge }));
    expect(r3).toMatchObject({ id: 16, ok: false, error: { code: 'invalid-args', details: { field: 'vm' } } });
    for (const r of [r1, r2, r3]) expect(JSON.stringify(r).length).toBeLessThan(10_000);
    // Within the limits a big string is fine.
    const big = 'y'.repeat(100_000);
    expect(await peer.ask(req(17, 'vm.typeText', { vm: 'x', text: big }))).toMatchObject({ id: 17, ok: true });
    expect(handlers.calls).toHaveLength(1);
  });

  it('keeps answering after a run of bad messages, and answers each exactly once', async () => {
    const { peer } = serve();
    const bad: unknown[] = ['x', null, 1, [], {}, { type: 'request' }, req(1, 'nope', {}), req(2, 'vm.get', { vm: 1 })];
    for (const m of bad) peer.transport.send(m);
    peer.transport.send(req(3, 'library.list', {}));
    await peer.untilResponses(bad.length + 1);
    await settle();
    const responses = peer.responses();
    expect(responses).toHaveLength(bad.length + 1);
    expect(responses.at(-1)).toMatchObject({ id: 3, ok: true });
  });

  it('maps a handler throwing a plain Error to internal, and keeps serving', async () => {
    const { peer } = serve({
      'library.list': async () => {
        throw new Error('disk on fire');
      },
    });
    expect(await peer.ask(req(1, 'library.list', {}))).toEqual({ type: 'response', id: 1, ok: false, error: { code: 'internal', message: 'disk on fire' } });
    expect(await peer.ask(req(2, 'host.info', {}))).toMatchObject({ id: 2, ok: true });
  });

  it('maps odd thrown values to internal without throwing past the edge', async () => {
    const throwers: unknown[] = [undefined, null, 'a string', 42, Object.create(null), { message: 17 }, Symbol('s')];
    const { peer } = serve({
      'vm.get': async (args) => {
        throw throwers[Number((args as { vm: string }).vm)];
      },
    });
    for (let i = 0; i < throwers.length; i++) {
      const r = await peer.ask(req(i, 'vm.get', { vm: String(i) }));
      expect(r).toMatchObject({ id: i, ok: false, error: { code: 'internal' } });
      expect(!r.ok && typeof r.error.message).toBe('string');
    }
  });

  it('answers a result that cannot be sent with internal instead of going silent', async () => {
    const { peer } = serve({ 'library.list': async () => ({ callback: () => 1 }) });
    expect(await peer.ask(req(1, 'library.list', {}))).toMatchObject({ id: 1, ok: false, error: { code: 'internal' } });
    expect(await peer.ask(req(2, 'host.info', {}))).toMatchObject({ id: 2, ok: true });
  });

  it('passes EngineErrors through with their code and details', async () => {
    const { peer } = serve({
      'vm.start': async () => {
        throw new EngineError('start-refused', 'disk missing', { field: 'disks' });
      },
    });
    expect(await peer.ask(req(1, 'vm.start', { vm: 'x' }))).toEqual({
      type: 'response',
      id: 1,
      ok: false,
      error: { code: 'start-refused', message: 'disk missing', details: { field: 'disks' } },
    });
  });

  it('sends serial events only to clients following that VM; other events to all', async () => {
    const server = new EngineServer(
      stubHandlers({
        'vm.console.attach': async (args, client) => {
          client.followSerial((args as { vm: string }).vm, true);
          return { log: '' };
        },
        'vm.console.detach': async (args, client) => {
          client.followSerial((args as { vm: string }).vm, false);
          return { ok: true };
        },
      }),
    );
    const a = inProcessPeer();
    const b = inProcessPeer();
    server.attach(a.serverSide);
    server.attach(b.serverSide);
    expect(server.clientCount).toBe(2);
    await a.peer.ask(req(1, 'vm.console.attach', { vm: 'vm-1' }));
    server.broadcast({ type: 'vm.serial', vmId: 'vm-1', seq: 1, data: 'hello' });
    server.broadcast({ type: 'vm.serial', vmId: 'vm-2', seq: 1, data: 'other' });
    server.broadcast({ type: 'vm.changed', vmId: 'vm-1', seq: 2 });
    await settle();
    const events = (p: RawPeer) => p.received.filter((m) => m.type === 'event').map((m) => (m.type === 'event' ? m.event : null));
    expect(events(a.peer)).toEqual([
      { type: 'vm.serial', vmId: 'vm-1', seq: 1, data: 'hello' },
      { type: 'vm.changed', vmId: 'vm-1', seq: 2 },
    ]);
    expect(events(b.peer)).toEqual([{ type: 'vm.changed', vmId: 'vm-1', seq: 2 }]);
    await a.peer.ask(req(2, 'vm.console.detach', { vm: 'vm-1' }));
    server.broadcast({ type: 'vm.serial', vmId: 'vm-1', seq: 3, data: 'after' });
    await settle();
    expect(events(a.peer)).toHaveLength(2);
  });

  it('drops a client whose transport closed and keeps serving the others', async () => {
    const server = new EngineServer(stubHandlers());
    const a = inProcessPeer();
    const b = inProcessPeer();
    server.attach(a.serverSide);
    server.attach(b.serverSide);
    a.peer.transport.close();
    await settle();
    expect(server.clientCount).toBe(1);
    server.broadcast({ type: 'engine.log', level: 'info', message: 'still here' });
    expect(await b.peer.ask(req(1, 'library.list', {}))).toMatchObject({ ok: true });
    expect(b.peer.received.some((m) => m.type === 'event')).toBe(true);
  });
});

describe('toEngineError', () => {
  it.each([
    ['not-found', 'not-found'],
    ['ambiguous', 'ambiguous'],
    ['exists', 'exists'],
    ['invalid', 'invalid-document'],
    ['io', 'io'],
  ] as const)('maps StoreError %s to %s', (storeCode, engineCode) => {
    const e = toEngineError(new StoreError(storeCode, `store said ${storeCode}`));
    expect(e).toBeInstanceOf(EngineError);
    expect(e.code).toBe(engineCode);
    expect(e.message).toBe(`store said ${storeCode}`);
  });

  it('maps VmDocumentError to invalid-document with its issues', () => {
    const issues = [{ path: 'disks[0].bus', message: 'Invalid option' }];
    const e = toEngineError(new VmDocumentError('disks[0].bus: Invalid option', issues));
    expect(e.code).toBe('invalid-document');
    expect(e.details).toEqual({ issues });
    expect(e.message).toContain('disks[0].bus');
  });

  it('maps IllegalTransitionError to invalid-state', () => {
    expect(toEngineError(new IllegalTransitionError('stopped', 'paused')).code).toBe('invalid-state');
  });

  it('maps errors by name and errno codes', () => {
    const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, ...extra });
    expect(toEngineError(named('QemuNotFoundError')).code).toBe('qemu-not-found');
    expect(toEngineError(named('LibraryLockedError')).code).toBe('library-locked');
    expect(toEngineError(named('QmpTimeoutError')).code).toBe('timeout');
    expect(toEngineError(named('QmpCommandError')).code).toBe('qemu-failed');
    expect(toEngineError(named('QemuImgError')).code).toBe('qemu-failed');
    expect(toEngineError(named('Error', { code: 'ENOENT' })).code).toBe('not-found');
    expect(toEngineError(named('Error', { code: 'EACCES' })).code).toBe('io');
    expect(toEngineError(named('Error', { code: 'EWEIRD' })).code).toBe('internal');
  });

  it('returns an EngineError unchanged and always yields a known code', () => {
    const original = new EngineError('timeout', 'slow');
    expect(toEngineError(original)).toBe(original);
    for (const v of [undefined, null, 0, '', 'text', {}, [], Object.create(null), Symbol('x'), { code: 'toString' }, { code: '__proto__' }]) {
      const e = toEngineError(v);
      expect(ENGINE_ERROR_CODES).toContain(e.code);
      expect(typeof e.message).toBe('string');
    }
  });
});
