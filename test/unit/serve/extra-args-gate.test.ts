import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { commandArgs, EngineError } from '../../../src-shared/contract/index.js';
import { EXTRA_ARGS_READ_ONLY, EXTRA_ARGS_ROUTES, browserPolicy, refuseExtraArgs } from '../../../src-main/serve/extra-args-gate.js';
import { screenMessage } from '../../../src-main/serve/engine-relay.js';

describe('the commands that could give a machine extra QEMU arguments', () => {
  it('are every command with free-form data or an extraArgs field, plus those that read a VM document from a file', () => {
    for (const [command, schema] of Object.entries(commandArgs)) {
      const shape = (schema as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
      for (const [field, type] of Object.entries(shape)) {
        const kind = (type as unknown as { def: { type: string } }).def.type;
        if (field === 'extraArgs' || kind === 'record' || kind === 'unknown' || kind === 'any') expect(EXTRA_ARGS_ROUTES, `${command}.${field}`).toHaveProperty([command]);
      }
    }
    expect(EXTRA_ARGS_ROUTES).toEqual({ 'vm.update': 'patch', 'vm.addExisting': 'bundle', 'vm.import': 'stripped', 'vm.clone': 'copied' });
  });
});

describe('refusing them', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-xa-'));
    for (const [name, extraArgs] of [['with', ['-incoming', 'exec:id > /tmp/x']], ['without', []]] as const) {
      mkdirSync(join(dir, `${name}.hangar`));
      writeFileSync(join(dir, `${name}.hangar`, 'vm.json'), JSON.stringify({ schemaVersion: 2, extraArgs }));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const code = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof EngineError ? e.code : String(e)));

  it('vm.update with extraArgs in its patch, whatever they are', async () => {
    expect(await code(refuseExtraArgs('vm.update', { vm: 'x', patch: { extraArgs: ['-incoming', 'exec:id'] } }))).toBe('not-allowed');
    expect(await code(refuseExtraArgs('vm.update', { vm: 'x', patch: { extraArgs: [] } }))).toBe('not-allowed');
    expect(await code(refuseExtraArgs('vm.update', { vm: 'x', patch: { memoryMiB: 512 } }))).toBe('ok');
  });

  it('vm.addExisting of a machine that has them (by its folder or its vm.json), not of one without', async () => {
    expect(await code(refuseExtraArgs('vm.addExisting', { path: join(dir, 'with.hangar') }))).toBe('not-allowed');
    expect(await code(refuseExtraArgs('vm.addExisting', { path: join(dir, 'with.hangar', 'vm.json') }))).toBe('not-allowed');
    expect(await code(refuseExtraArgs('vm.addExisting', { path: join(dir, 'without.hangar') }))).toBe('ok');
    expect(await code(refuseExtraArgs('vm.addExisting', { path: join(dir, 'missing.hangar') }))).toBe('ok');
  });

  it('through the relay unless serve allows them; the reply says why and how', async () => {
    const msg = JSON.stringify({ type: 'request', id: 9, command: 'vm.update', args: { vm: 'x', patch: { extraArgs: ['-incoming', 'exec:id > /tmp/x'] } } });
    const r = await screenMessage(msg, {});
    expect('reply' in r && JSON.parse(r.reply)).toMatchObject({ id: 9, ok: false, error: { code: 'not-allowed', details: { hint: '--allow-extra-args' } } });
    expect((r as { reply: string }).reply).toContain('--allow-extra-args');
    expect(await screenMessage(msg, { allowExtraArgs: true })).toMatchObject({ forward: msg, command: 'vm.update', id: 9 });
  });

  it('engine.hello tells the browser', () => {
    expect(browserPolicy(false)).toEqual({ extraArgs: { editable: false, reason: EXTRA_ARGS_READ_ONLY } });
    expect(browserPolicy(true)).toEqual({ extraArgs: { editable: true } });
  });
});
