// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { HangarRoot } from '../../../../src-renderer/hangar-root.js';
import { resolveThemeMode } from '../../../../src-renderer/theme.js';
import { installLayoutStubs } from './render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

describe('HangarRoot', () => {
  it('mounts the library window on the API, reads the theme pref and releases its listeners on unmount', async () => {
    const api = new FakeHangarApi({ vms: [{ name: 'deb', state: { kind: 'running' } }] });
    const view = render(createElement(HangarRoot, { api }, createElement('p', null, 'extra')));
    expect(await screen.findByRole('option', { name: 'deb' })).toBeTruthy();
    expect(screen.getByText('extra')).toBeTruthy();
    await waitFor(() => expect(api.appCalls.map((c) => c.channel)).toContain('prefs:get'));
    view.unmount();
    expect(api.listenerCount()).toBe(0);
  });

  it('the theme follows the OS unless the pref says otherwise', () => {
    expect(resolveThemeMode('system', true)).toBe('dark');
    expect(resolveThemeMode('system', false)).toBe('light');
    expect(resolveThemeMode('light', true)).toBe('light');
    expect(resolveThemeMode('dark', false)).toBe('dark');
  });
});
