import type { LibraryVm } from './state/library-store.js';
import { isDisposable } from '../src-shared/vm-state.js';
import { DEFAULT_QUERY, visibleVms } from './features/library/list-model.js';
import { osFamily, osFamilyLabel, osLabel, savedAtLabel, stateLabel, stateTone } from './features/library/vm-labels.js';
import { installBadge } from './features/install/install-badge.js';

// Issue 20: the library's first paint without React. The boot entry writes the rows in view as plain DOM the
// moment `library.list` answers, before React + MUI (hundreds of KiB of script) are evaluated; the window's first
// React render replaces it in the same frame (EarlyListHandover in mount-ui.tsx). Same rows, same places: the
// geometry below is the library window's (48 px toolbar, 340 px sidebar, the search and filter block, 52 px rows),
// and test/e2e/first-paint.test.ts checks that the listbox and its first rows do not move when React takes over.

/**
 * The React window's listbox top inside the sidebar: the Connections section as it is without libvirt connections
 * ("This computer" and Add connection…, 95.78 px), then the search box, Show / Sort by and the count line (MUI,
 * small). Each libvirt connection adds a row of one fixed height above them (its status is one line, whatever it says).
 */
const TOOLBAR_PX = 48;
const FILTERS_PX = 95.78125 + 137.828125;
const CONNECTION_ROW_PX = 57.15625;
const ROW_PX = 52;
/** The virtualized list's overscan (vm-list.tsx). */
const OVERSCAN = 6;

const ICON_PATHS: Record<ReturnType<typeof osFamily>, string> = {
  linux: 'M20 4H4c-1.11 0-2 .9-2 2v12c0 1.1.89 2 2 2h16c1.1 0 2-.9 2-2V6c0-1.1-.89-2-2-2m0 14H4V8h16zm-2-1h-6v-2h6zM7.5 17l-1.41-1.41L8.67 13l-2.59-2.59L7.5 9l4 4z',
  windows: 'M2 3h9v9H2V3m9 19H2v-9h9v9M21 3v9h-9V3h9m0 19h-9v-9h9v9Z',
  bsd: 'M20 13H4c-.55 0-1 .45-1 1v6c0 .55.45 1 1 1h16c.55 0 1-.45 1-1v-6c0-.55-.45-1-1-1M7 19c-1.1 0-2-.9-2-2s.9-2 2-2 2 .9 2 2-.9 2-2 2M20 3H4c-.55 0-1 .45-1 1v6c0 .55.45 1 1 1h16c.55 0 1-.45 1-1V4c0-.55-.45-1-1-1M7 9c-1.1 0-2-.9-2-2s.9-2 2-2 2 .9 2 2-.9 2-2 2',
  other: 'M20 18c1.1 0 1.99-.9 1.99-2L22 6c0-1.1-.9-2-2-2H4c-1.1 0-2 .9-2 2v10c0 1.1.9 2 2 2H0v2h24v-2zM4 6h16v10H4z',
};
const FAMILY_COLOR = { linux: '#e65100', windows: '#0078d4', bsd: '#ab2b28', other: '#607d8b' } as const;

// The theme's values (theme.ts with MUI's palette defaults), light and dark by the OS setting as the theme's
// 'system' default does. Class names are the early list's own, so nothing here styles the React window.
const CSS = `
.hangar-early{position:fixed;inset:0;display:flex;flex-direction:column;background:#fff;color:rgba(0,0,0,.87);font:14.8571px/22.2857px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;--divider:rgba(0,0,0,.12);--text2:rgba(0,0,0,.6);--disabled:rgba(0,0,0,.38);--success:#2e7d32;--warning:#ed6c02;--error:#d32f2f;--info:#0288d1;--info-text:#fff}
@media (prefers-color-scheme: dark){.hangar-early{background:#121212;color:#fff;--divider:rgba(255,255,255,.12);--text2:rgba(255,255,255,.7);--disabled:rgba(255,255,255,.5);--success:#66d17a;--warning:#ffa726;--error:#f44336;--info:#29b6f6;--info-text:rgba(0,0,0,.87)}}
.hangar-early-bar{height:${TOOLBAR_PX}px;flex:none;box-sizing:border-box;border-bottom:1px solid var(--divider)}
.hangar-early-nav{width:340px;flex:none;display:flex;flex-direction:column;box-sizing:border-box;border-right:1px solid var(--divider)}
.hangar-early-filters{height:${FILTERS_PX}px;flex:none}
.hangar-early-list{flex:1;min-height:0;overflow-y:auto;outline:none}
.hangar-early-row{position:absolute;top:0;left:0;width:100%;height:${ROW_PX}px;box-sizing:border-box;display:flex;align-items:center;gap:12px;padding:0 12px;cursor:default;user-select:none}
.hangar-early-avatar{width:32px;height:32px;flex:none;border-radius:6px;color:#fff;display:flex;align-items:center;justify-content:center}
.hangar-early-avatar svg{width:1em;height:1em;font-size:18.5714px;fill:currentColor}
.hangar-early-text{min-width:0;flex:1}
.hangar-early-name{margin:0;font-weight:500;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.hangar-early-state{font-size:11.1429px;line-height:18.4971px;display:flex;align-items:center;gap:6px;color:var(--text2)}
.hangar-early-dot{width:8px;height:8px;border-radius:50%;flex:none}
.hangar-early-badge{padding:0 6px;border-radius:6px;font-weight:500;background:var(--info);color:var(--info-text)}
`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The OS avatar's name, as vm-list.tsx's OsAvatar says it. */
function avatarLabel(osId: string): string {
  const family = osFamily(osId);
  const os = osLabel(osId);
  const familyName = osFamilyLabel(family);
  return family === 'other' ? (os === 'Other' ? 'Other OS' : `${os} (other OS)`) : os === familyName ? os : `${os} (${familyName})`;
}

function row(vm: LibraryVm, index: number, size: number): HTMLElement {
  const r = el('div', 'hangar-early-row');
  r.setAttribute('role', 'option');
  r.setAttribute('aria-label', vm.name);
  r.setAttribute('aria-selected', 'false');
  r.setAttribute('aria-posinset', String(index + 1));
  r.setAttribute('aria-setsize', String(size));
  r.style.transform = `translateY(${index * ROW_PX}px)`;
  const family = osFamily(vm.osId);
  const avatar = el('div', 'hangar-early-avatar');
  avatar.setAttribute('role', 'img');
  avatar.setAttribute('aria-label', avatarLabel(vm.osId));
  avatar.title = avatarLabel(vm.osId);
  avatar.style.background = FAMILY_COLOR[family];
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', ICON_PATHS[family]);
  svg.append(path);
  avatar.append(svg);
  const text = el('div', 'hangar-early-text');
  const state = el('span', 'hangar-early-state');
  const dot = el('span', 'hangar-early-dot');
  dot.setAttribute('aria-hidden', 'true');
  const tone = stateTone(vm.state);
  dot.style.background = `var(--${tone === 'default' ? 'disabled' : tone})`;
  // The same text, in the same pieces, as vm-list.tsx's row.
  state.append(dot, stateLabel(vm.state));
  if (vm.error) state.append(' · cannot be loaded');
  if (vm.install === 'installing') state.append(' · ', el('span', 'hangar-early-badge', installBadge(vm.install)));
  if (vm.state.kind === 'saved') state.append(` · ${savedAtLabel(vm.state) ?? ''}`);
  if (isDisposable(vm.state)) state.append(' · ', el('span', 'hangar-early-badge', 'Disposable'));
  text.append(el('p', 'hangar-early-name', vm.name), state);
  r.append(avatar, text);
  return r;
}

/**
 * Paints the library's rows in view before React, in an element of its own placed before `container` (React's
 * root stays empty until its first render, which removes this). Nothing when there is nothing to list: the window
 * then shows its own empty or error state. Returns the element, or null.
 */
export function paintEarlyList(container: HTMLElement, vms: ReadonlyArray<LibraryVm>, connections = 0): HTMLElement | null {
  const rows = visibleVms(vms, DEFAULT_QUERY);
  if (rows.length === 0) return null;
  const style = document.createElement('style');
  style.textContent = CSS;
  const early = el('div', 'hangar-early');
  early.setAttribute('aria-busy', 'true');
  const nav = el('nav', 'hangar-early-nav');
  nav.setAttribute('aria-label', 'Machines');
  const list = el('div', 'hangar-early-list');
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Virtual machines');
  list.setAttribute('aria-multiselectable', 'true');
  // Not interactive until React takes over: a click now would land on rows about to be replaced (and automation,
  // Playwright's included, waits for an enabled element before it clicks).
  list.setAttribute('aria-disabled', 'true');
  const body = document.createElement('div');
  body.setAttribute('role', 'presentation');
  body.style.cssText = `height:${rows.length * ROW_PX}px;position:relative;width:100%`;
  list.append(body);
  const filters = el('div', 'hangar-early-filters');
  filters.style.height = `${FILTERS_PX + connections * CONNECTION_ROW_PX}px`;
  nav.append(filters, list);
  const main = el('div', '');
  main.style.cssText = 'display:flex;flex:1;min-height:0';
  main.append(nav);
  early.append(style, el('div', 'hangar-early-bar'), main);
  container.before(early);
  // Only the rows in view (as the virtualized list renders them): the height is known once the element is in.
  const n = Math.min(rows.length, Math.ceil(list.clientHeight / ROW_PX) + OVERSCAN);
  const frag = document.createDocumentFragment();
  for (let i = 0; i < n; i++) frag.append(row(rows[i]!, i, rows.length));
  body.append(frag);
  return early;
}
