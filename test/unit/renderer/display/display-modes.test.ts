// The display mode's pure rules: the default per display device, the remembered choice per machine, and what the
// status bar says when "Resize guest to window" cannot be followed.
import { describe, expect, it } from 'vitest';
import { DISPLAY_MODES_MAX, sanitizeDisplayModes, type DisplayMode } from '../../../../src-shared/contract/app-contract.js';
import { canFollowWindow, displayModeFor, rememberDisplayMode, resizeNotice, type ResizeFollow } from '../../../../src-renderer/features/display/display-model.js';

describe('display modes', () => {
  it('only virtio can pass a window size to the guest', () => {
    expect(canFollowWindow('virtio')).toBe(true);
    for (const d of ['std', 'qxl', 'cirrus', 'ramfb', 'none'] as const) expect(canFollowWindow(d)).toBe(false);
  });

  it('default: resize where the guest can follow, else fit; a remembered choice wins; junk is ignored', () => {
    expect(displayModeFor(undefined, 'vm-1', 'virtio')).toBe('resize');
    expect(displayModeFor(undefined, 'vm-1', 'std')).toBe('fit');
    expect(displayModeFor({ 'vm-1': 'actual' }, 'vm-1', 'virtio')).toBe('actual');
    expect(displayModeFor({ 'vm-1': 'resize' }, 'vm-1', 'std')).toBe('resize'); // chosen: the status bar explains
    expect(displayModeFor({ 'vm-2': 'actual' }, 'vm-1', 'virtio')).toBe('resize');
    expect(displayModeFor({ 'vm-1': 'zoom' as DisplayMode }, 'vm-1', 'std')).toBe('fit');
    expect(displayModeFor({}, 'constructor', 'std')).toBe('fit'); // inherited names are not choices
    expect(displayModeFor({}, 'toString', 'virtio')).toBe('resize');
  });

  it('remembers the newest choice last and keeps at most DISPLAY_MODES_MAX machines', () => {
    expect(rememberDisplayMode(undefined, 'a', 'fit')).toEqual({ a: 'fit' });
    const two = rememberDisplayMode({ a: 'fit', b: 'actual' }, 'a', 'resize');
    expect(Object.entries(two)).toEqual([['b', 'actual'], ['a', 'resize']]);
    const full = Object.fromEntries(Array.from({ length: DISPLAY_MODES_MAX }, (_, i) => [`vm-${i}`, 'fit' as DisplayMode]));
    const next = rememberDisplayMode(full, 'new', 'actual');
    expect(Object.keys(next)).toHaveLength(DISPLAY_MODES_MAX);
    expect(next).not.toHaveProperty('vm-0');
    expect(Object.keys(next).at(-1)).toBe('new');
  });

  it('stored modes from localStorage keep only well-formed entries', () => {
    expect(sanitizeDisplayModes({ 'vm-1': 'fit', 'vm-2': 'zoom', '../x': 'fit', '': 'fit', 'a b': 'actual', 'vm-3': 'resize' })).toEqual({ 'vm-1': 'fit', 'vm-3': 'resize' });
    expect(sanitizeDisplayModes(JSON.parse('{"__proto__": "fit", "vm-1": "actual"}'))).toEqual({ 'vm-1': 'actual' });
    expect(Object.getPrototypeOf(sanitizeDisplayModes({ 'vm-1': 'fit' }))).toBe(Object.prototype);
    for (const junk of [null, 'fit', 42, ['fit'], {}, { 'vm-1': 3 }]) expect(sanitizeDisplayModes(junk)).toBeNull();
    const many = Object.fromEntries(Array.from({ length: DISPLAY_MODES_MAX + 5 }, (_, i) => [`vm-${i}`, 'fit']));
    const kept = sanitizeDisplayModes(many)!;
    expect(Object.keys(kept)).toHaveLength(DISPLAY_MODES_MAX);
    expect(kept).toHaveProperty(`vm-${DISPLAY_MODES_MAX + 4}`);
  });
});

describe('resizeNotice', () => {
  const base: ResizeFollow = { mode: 'resize', device: 'virtio', resolution: { width: 1280, height: 800 }, target: { width: 900, height: 600 }, settled: true };

  it('says nothing outside "Resize guest to window"', () => {
    expect(resizeNotice({ ...base, mode: 'fit' })).toBeNull();
    expect(resizeNotice({ ...base, mode: 'actual', device: 'std' })).toBeNull();
  });

  it('a device QEMU cannot pass sizes to is explained at once, naming the device and the fix', () => {
    const n = resizeNotice({ ...base, device: 'std', resolution: null, target: null, settled: false });
    expect(n).toMatch(/cannot follow the window/);
    expect(n).toMatch(/standard VGA/);
    expect(n).toMatch(/Scaled instead/);
    expect(n).toMatch(/"virtio" under Settings → Display/);
    expect(resizeNotice({ ...base, device: 'cirrus' })).toMatch(/Cirrus VGA/);
    expect(resizeNotice({ ...base, device: 'ramfb' })).toMatch(/ramfb/);
    expect(resizeNotice({ ...base, device: 'none' })).toBe('This machine has no display device.');
  });

  it('virtio: a guest that has not taken the size is told only once settled, with both sizes and what it needs', () => {
    expect(resizeNotice({ ...base, settled: false })).toBeNull();
    const n = resizeNotice(base);
    expect(n).toMatch(/did not change its resolution to 900×600 \(it shows 1280×800\)/);
    expect(n).toMatch(/virtio-gpu driver/);
    expect(resizeNotice({ ...base, resolution: { width: 900, height: 600 } })).toBeNull();
    expect(resizeNotice({ ...base, resolution: { width: 901, height: 599 } })).toBeNull(); // rounding of odd sizes
    expect(resizeNotice({ ...base, target: { width: 1001, height: 555 }, resolution: { width: 1008, height: 555 } })).toBeNull(); // fbcon: width to 8
    expect(resizeNotice({ ...base, target: { width: 1600, height: 1000 }, resolution: { width: 1280, height: 768 } })).toMatch(/to 1600×1000 \(it shows 1280×768\)/);
    expect(resizeNotice({ ...base, resolution: null })).toBeNull(); // not connected: nothing to compare
  });
});

describe('browser host prefs (localStorage)', () => {
  it('keep the display modes across prefs:set and prefs:get, dropping junk a user wrote there', async () => {
    const { browserAppCalls } = await import('../../../../src-renderer/bridge/browser-app.js');
    const store = new Map<string, string>();
    const app = browserAppCalls({
      storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) },
      dialogs: { request: async () => null } as never,
      version: async () => '0',
      platform: 'linux',
    });
    expect(await app('prefs:get', undefined)).not.toHaveProperty('displayModes');
    await app('prefs:set', { displayModes: { 'vm-1': 'actual' } });
    expect((await app('prefs:get', undefined)).displayModes).toEqual({ 'vm-1': 'actual' });
    store.set('hangar.prefs', JSON.stringify({ displayModes: { 'vm-1': 'zoom', 'vm-2': 'resize', 'x/y': 'fit' } }));
    expect((await app('prefs:get', undefined)).displayModes).toEqual({ 'vm-2': 'resize' });
  });
});
