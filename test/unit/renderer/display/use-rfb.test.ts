// @vitest-environment jsdom
// The noVNC hook alone, without the display's toolbar or status bar (what the split of display-view.tsx allows).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createElement, useRef } from 'react';
import { act, cleanup, render, waitFor } from '@testing-library/react';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { useRfb, type RfbDisplay, type RfbOptions } from '../../../../src-renderer/features/display/use-rfb.js';
import { FakeRFB } from './fake-rfb.js';

vi.mock('@novnc/novnc', async () => ({ default: (await import('./fake-rfb.js')).FakeRFB }));

beforeEach(() => {
  FakeRFB.instances = [];
});
afterEach(cleanup);

type Props = Omit<RfbOptions, 'screenRef'> & { api: FakeHangarApi; seen: RfbDisplay[] };

function Host({ api, seen, ...options }: Props) {
  const screenRef = useRef<HTMLDivElement>(null);
  seen.push(useRfb(api, 'vm-1', { ...options, screenRef }));
  return createElement('div', { ref: screenRef, tabIndex: 0 });
}

function setup(over: Partial<Omit<Props, 'api' | 'seen'>> = {}) {
  const api = new FakeHangarApi({ vms: [{ name: 'deb', id: 'vm-1', state: { kind: 'running' } }] });
  const seen: RfbDisplay[] = [];
  const props: Props = { api, seen, scale: 'fit', clipboard: 'off', hostKey: 'ControlRight', stateKind: 'running', engineEpoch: 0, ...over };
  const view = render(createElement(Host, props));
  const rerender = (next: Partial<Props>) => view.rerender(createElement(Host, { ...props, ...next }));
  return { api, seen, rerender, last: () => seen.at(-1)! };
}

describe('useRfb', () => {
  it('opens one display channel with noVNC and follows its connect and disconnect', async () => {
    const { api, last } = setup();
    await waitFor(() => expect(FakeRFB.instances).toHaveLength(1));
    expect(api.displays.map((d) => d.vmId)).toEqual(['vm-1']);
    expect(FakeRFB.instances[0]!.scaleViewport).toBe(true);
    expect(last().link).toEqual({ kind: 'connecting' });
    act(() => FakeRFB.instances[0]!.fire('connect'));
    expect(last().link).toEqual({ kind: 'connected' });
    act(() => FakeRFB.instances[0]!.fire('disconnect', { clean: true }));
    expect(last().link).toEqual({ kind: 'closed', reason: 'The display was closed.' });
  });

  it('reconnect() makes a new RFB on a new channel; a scale change reaches the current one', async () => {
    const { last, rerender } = setup();
    await waitFor(() => expect(FakeRFB.instances).toHaveLength(1));
    act(() => last().reconnect());
    await waitFor(() => expect(FakeRFB.instances).toHaveLength(2));
    expect(FakeRFB.instances[0]!.disconnected).toBe(true);
    rerender({ scale: 'actual' });
    expect(FakeRFB.instances[1]!.scaleViewport).toBe(false);
  });

  it('a display cut off comes back when the engine does (epoch) or the VM runs again, not otherwise', async () => {
    const { rerender } = setup();
    await waitFor(() => expect(FakeRFB.instances).toHaveLength(1));
    rerender({ engineEpoch: 1 }); // still connecting: nothing to do
    expect(FakeRFB.instances).toHaveLength(1);
    act(() => FakeRFB.instances[0]!.fire('disconnect', { clean: false }));
    rerender({ engineEpoch: 2 });
    await waitFor(() => expect(FakeRFB.instances).toHaveLength(2));
    act(() => FakeRFB.instances[1]!.fire('disconnect', { clean: false }));
    rerender({ engineEpoch: 2, stateKind: 'stopped' });
    expect(FakeRFB.instances).toHaveLength(2);
    rerender({ engineEpoch: 2, stateKind: 'running' });
    await waitFor(() => expect(FakeRFB.instances).toHaveLength(3));
  });

  it('connects again when the VM\'s clipboard policy changes, not when it is first read', async () => {
    const { rerender } = setup({ clipboardKnown: false });
    await waitFor(() => expect(FakeRFB.instances).toHaveLength(1));
    rerender({ clipboard: 'both', clipboardKnown: true }); // the policy read after the connect started
    rerender({ clipboard: 'both', clipboardKnown: true });
    expect(FakeRFB.instances).toHaveLength(1);
    rerender({ clipboard: 'host-to-guest', clipboardKnown: true }); // changed while the VM runs
    await waitFor(() => expect(FakeRFB.instances).toHaveLength(2));
    expect(FakeRFB.instances[0]!.disconnected).toBe(true);
  });
});
