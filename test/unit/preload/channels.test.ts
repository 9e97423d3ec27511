import { describe, expect, it } from 'vitest';
import { APP_CHANNELS } from '../../../src-shared/contract/app-contract.js';
import { INVOKE_CHANNELS, isEngineStatus, isInvokeChannel, isMenuCommand } from '../../../src-main/preload/channels.js';
import { versionFromArgv } from '../../../src-main/preload/api.js';

describe('preload channels', () => {
  it('the invoke allowlist is exactly APP_CHANNELS', () => {
    expect([...INVOKE_CHANNELS].sort()).toEqual([...APP_CHANNELS].sort());
    for (const c of APP_CHANNELS) expect(isInvokeChannel(c)).toBe(true);
    for (const c of ['hasOwnProperty', 'toString', 'APP:INFO', 'engine:status']) expect(isInvokeChannel(c)).toBe(false);
  });

  it('validates statuses and menu commands', () => {
    expect(isEngineStatus({ state: 'failed', attempt: 10 })).toBe(true);
    expect(isEngineStatus({ state: 'ready', attempt: -1 })).toBe(false);
    expect(isEngineStatus({ state: 'ready', attempt: 1.5 })).toBe(false);
    expect(isEngineStatus(null)).toBe(false);
    expect(isMenuCommand('vm.reset')).toBe(true);
    expect(isMenuCommand('vm.delete')).toBe(false);
  });

  it('reads the version passed by the main process', () => {
    expect(versionFromArgv(['electron', '--type=renderer', '--hangar-version=0.1.0'])).toBe('0.1.0');
    expect(versionFromArgv(['electron'])).toBe('0.0.0');
  });
});
