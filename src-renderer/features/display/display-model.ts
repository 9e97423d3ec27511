// Pure helpers of the display view: key combos, the clipboard policy, labels. No DOM, no React.
import type { VmRunState } from '../../../src-shared/vm-state.js';
import { DISPLAY_MODES, DISPLAY_MODES_MAX, type DisplayMode } from '../../../src-shared/contract/app-contract.js';
import type { DisplayDevice } from '../../../src-shared/os-catalog/types.js';

export type ClipboardPolicy = 'off' | 'host-to-guest' | 'guest-to-host' | 'both';
export type { DisplayMode, DisplayDevice };
/** The display mode (the toolbar's selector); the name from before "Resize guest to window". */
export type ScaleMode = DisplayMode;

/**
 * Whether QEMU can pass a window size to the guest: its VNC server answers SetDesktopSize by calling the display
 * device's ui_info (QEMU 7.2 ui/vnc.c: "Request forwarded"), which only virtio-gpu/virtio-vga implements among
 * Hangar's devices; std VGA, cirrus, ramfb get "Invalid screen layout". The guest's driver must still follow.
 */
export const canFollowWindow = (device: DisplayDevice): boolean => device === 'virtio';

/** A machine's display mode: the one chosen for it, else "Resize guest to window" where the guest can, else fit. */
export function displayModeFor(modes: Readonly<Record<string, DisplayMode>> | undefined, vmId: string, device: DisplayDevice): DisplayMode {
  const chosen = modes && Object.hasOwn(modes, vmId) ? modes[vmId] : undefined;
  if (chosen !== undefined && (DISPLAY_MODES as readonly string[]).includes(chosen)) return chosen;
  return canFollowWindow(device) ? 'resize' : 'fit';
}

/** The modes with this machine's choice last (newest), the oldest dropped past DISPLAY_MODES_MAX. */
export function rememberDisplayMode(modes: Readonly<Record<string, DisplayMode>> | undefined, vmId: string, mode: DisplayMode): Record<string, DisplayMode> {
  const rest = Object.entries(modes ?? {}).filter(([k]) => k !== vmId);
  return Object.fromEntries([...rest.slice(-(DISPLAY_MODES_MAX - 1)), [vmId, mode]]);
}

const DEVICE_NAMES: Record<DisplayDevice, string> = {
  std: 'standard VGA', virtio: 'virtio', qxl: 'QXL', cirrus: 'Cirrus VGA', ramfb: 'ramfb', none: 'no display device',
};

export interface ResizeFollow {
  mode: DisplayMode;
  device: DisplayDevice;
  /** The guest's framebuffer size (what QEMU sends). */
  resolution: { width: number; height: number } | null;
  /** The size asked for: the screen box's, in CSS pixels, as noVNC sends it (floored). */
  target: { width: number; height: number } | null;
  /** True once target and resolution have stayed as they are long enough for a guest to have answered. */
  settled: boolean;
}

/**
 * What the status bar says when "Resize guest to window" cannot be honoured (the view scales meanwhile), or null.
 * Said at once for a device QEMU cannot pass sizes to; for a guest that did not change mode, only once settled.
 */
export function resizeNotice(f: ResizeFollow): string | null {
  if (f.mode !== 'resize') return null;
  if (!canFollowWindow(f.device)) {
    if (f.device === 'none') return 'This machine has no display device.';
    return `The guest cannot follow the window: its display device (${DEVICE_NAMES[f.device]}) cannot change size from the host. Scaled instead; choose "virtio" under Settings → Display.`;
  }
  if (!f.resolution || !f.target || !f.settled) return null;
  // Within a few pixels is following: Linux's framebuffer console rounds a width up to a multiple of 8 (1001 → 1008).
  if (Math.abs(f.resolution.width - f.target.width) < 8 && Math.abs(f.resolution.height - f.target.height) < 8) return null;
  return (
    `The guest did not change its resolution to ${f.target.width}×${f.target.height} (it shows ${f.resolution.width}×${f.resolution.height}). ` +
    'Scaled instead; following the window needs the guest\'s virtio-gpu driver (Linux virtio_gpu, Windows virtio-win) and a desktop that takes the new mode.'
  );
}

export interface KeyComboItem {
  /** What the menu shows, e.g. "Ctrl+Alt+Del". */
  label: string;
  /** What vm.sendKey gets (QMP qcodes or aliases, `-` separated), e.g. "ctrl-alt-delete". */
  combo: string;
}

/** The built-in send-keys menu: Ctrl+Alt+Del, Ctrl+Alt+F1…F12, Alt+Tab, Print Screen. */
export const BUILTIN_COMBOS: readonly KeyComboItem[] = [
  { label: 'Ctrl+Alt+Del', combo: 'ctrl-alt-delete' },
  ...Array.from({ length: 12 }, (_, i) => ({ label: `Ctrl+Alt+F${i + 1}`, combo: `ctrl-alt-f${i + 1}` })),
  { label: 'Alt+Tab', combo: 'alt-tab' },
  { label: 'Print Screen', combo: 'print' },
];

const KEY_LABELS: Record<string, string> = {
  ctrl: 'Ctrl', control: 'Ctrl', ctrl_r: 'Right Ctrl', alt: 'Alt', alt_r: 'AltGr', altgr: 'AltGr', shift: 'Shift', shift_r: 'Right Shift',
  meta_l: 'Super', super: 'Super', win: 'Super', delete: 'Del', del: 'Del', esc: 'Esc', escape: 'Esc', ret: 'Enter', enter: 'Enter',
  spc: 'Space', space: 'Space', tab: 'Tab', print: 'Print Screen', sysrq: 'SysRq', backspace: 'Backspace', pgup: 'Page Up', pgdn: 'Page Down',
};

/** "ctrl-alt-f7" → "Ctrl+Alt+F7" (a `-` or `+` separates keys; a lone `-` is the minus key). */
export function comboLabel(combo: string): string {
  const parts = combo.trim().split(/(?<=.)[-+]/).filter((p) => p !== '');
  return parts
    .map((p) => {
      const k = p.toLowerCase();
      if (KEY_LABELS[k]) return KEY_LABELS[k];
      if (/^f\d{1,2}$/.test(k)) return k.toUpperCase();
      return k.length === 1 ? k.toUpperCase() : k.charAt(0).toUpperCase() + k.slice(1);
    })
    .join('+');
}

/** The menu: built-ins, then the user's combos from prefs (blank and duplicate ones dropped). */
export function sendKeyItems(custom: readonly string[]): { builtin: readonly KeyComboItem[]; custom: KeyComboItem[] } {
  const seen = new Set(BUILTIN_COMBOS.map((c) => c.combo));
  const out: KeyComboItem[] = [];
  for (const raw of custom) {
    const combo = raw.trim().toLowerCase();
    if (combo === '' || seen.has(combo)) continue;
    seen.add(combo);
    out.push({ label: comboLabel(combo), combo });
  }
  return { builtin: BUILTIN_COMBOS, custom: out };
}

export const allowsGuestToHost = (p: ClipboardPolicy): boolean => p === 'guest-to-host' || p === 'both';
export const allowsHostToGuest = (p: ClipboardPolicy): boolean => p === 'host-to-guest' || p === 'both';

export function clipboardLabel(p: ClipboardPolicy): string {
  switch (p) {
    case 'off':
      return 'Clipboard: off';
    case 'host-to-guest':
      return 'Clipboard: host → guest';
    case 'guest-to-host':
      return 'Clipboard: guest → host';
    case 'both':
      return 'Clipboard: both ways';
  }
}

const CODE_LABELS: Record<string, string> = {
  ControlRight: 'Right Ctrl', ControlLeft: 'Left Ctrl', AltRight: 'Right Alt', AltLeft: 'Left Alt', ShiftRight: 'Right Shift',
  ShiftLeft: 'Left Shift', MetaRight: 'Right Super', MetaLeft: 'Left Super', ContextMenu: 'Menu', ScrollLock: 'Scroll Lock', Pause: 'Pause',
};

/** KeyboardEvent.code → what people call it ("ControlRight" → "Right Ctrl"). */
export function hostKeyLabel(code: string): string {
  return CODE_LABELS[code] ?? code.replace(/^Key/, '').replace(/^Digit/, '');
}

export const RUN_STATE_TEXT: Record<VmRunState['kind'], string> = {
  stopped: 'Powered off',
  starting: 'Starting…',
  running: 'Running',
  paused: 'Paused',
  stopping: 'Shutting down…',
  saving: 'Saving…',
  restoring: 'Restoring…',
  saved: 'Saved',
  crashed: 'Crashed',
};

/** "debian 2026-01-02 03-04-05.png" (no characters file systems dislike). */
export function screenshotFileName(vmName: string, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}-${pad(at.getMinutes())}-${pad(at.getSeconds())}`;
  const safe = vmName.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').trim() || 'screen';
  return `${safe} ${stamp}.png`;
}

/** Decodes base64 into bytes (atob is in every browser and in Node ≥ 16). */
export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** `#/display/<vmId>` (or `…?connection=<name>`, a machine on a libvirt connection) → vmId, else null. */
export function displayRouteVm(hash: string): string | null {
  return displayRouteTarget(hash)?.vmId ?? null;
}

/** The display route's machine and, for a libvirt machine, its connection. */
export function displayRouteTarget(hash: string): { vmId: string; connection?: string } | null {
  const m = /^#\/display\/([^/?#]+)(?:\?connection=([^/?#&]+))?$/.exec(hash);
  if (!m) return null;
  try {
    return { vmId: decodeURIComponent(m[1]!), ...(m[2] !== undefined ? { connection: decodeURIComponent(m[2]) } : {}) };
  } catch {
    return null;
  }
}

export function displayRouteHash(vmId: string, connection?: string): string {
  return `#/display/${encodeURIComponent(vmId)}${connection === undefined ? '' : `?connection=${encodeURIComponent(connection)}`}`;
}
