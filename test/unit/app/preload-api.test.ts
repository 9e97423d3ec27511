import { describe, expect, it, vi } from 'vitest';
import { createHangarApi, versionFromArgv } from '../../../src-main/preload/api.js';
import type { InvokeChannel } from '../../../src-main/preload/channels.js';

describe('window.hangar (preload api)', () => {
  it('forwards allowlisted channels to ipcRenderer.invoke', async () => {
    const ipc = { invoke: vi.fn(async () => ({ version: '1', platform: 'linux', electron: '45' })) };
    const api = createHangarApi(ipc, '1.0.0');
    await expect(api.invoke('app:info')).resolves.toMatchObject({ platform: 'linux' });
    expect(ipc.invoke).toHaveBeenCalledWith('app:info', undefined);
    expect(api.version).toBe('1.0.0');
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('refuses channels outside the allowlist without touching ipc', async () => {
    const ipc = { invoke: vi.fn() };
    const api = createHangarApi(ipc, '1.0.0');
    for (const channel of ['shell:openExternal', 'app:info ', '', '__proto__']) {
      await expect(api.invoke(channel as InvokeChannel)).rejects.toThrow(/not allowed/);
    }
    await expect(api.invoke(42 as unknown as InvokeChannel)).rejects.toThrow(/not allowed/);
    expect(ipc.invoke).not.toHaveBeenCalled();
  });

  it('reads the version passed by the main process', () => {
    expect(versionFromArgv(['electron', '--type=renderer', '--hangar-version=0.1.0'])).toBe('0.1.0');
    expect(versionFromArgv(['electron'])).toBe('0.0.0');
  });
});
