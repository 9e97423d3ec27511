// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement, useEffect, type ReactNode } from 'react';
import { act, cleanup, render, screen, within } from '@testing-library/react';
import Dialog from '@mui/material/Dialog';
import { NotifierProvider, topModalContainer, useNotify } from '../../../../src-renderer/components/notifier.js';
import { installLayoutStubs } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

let notify: ReturnType<typeof useNotify> = () => undefined;
function Grab() {
  const n = useNotify();
  useEffect(() => {
    notify = n;
  }, [n]);
  return null;
}

/** The window (its notifier outside any dialog) with a dialog open over it, as MUI renders one. */
function Window({ dialogOpen, children }: { dialogOpen: boolean; children?: ReactNode }) {
  return createElement(NotifierProvider, null,
    createElement(Grab),
    createElement(Dialog, { open: dialogOpen, 'aria-labelledby': 't' }, createElement('h2', { id: 't' }, 'Settings of deb'), children));
}

describe('window notices while a dialog is open', () => {
  it('are rendered inside the open dialog, so assistive technology finds them (not aria-hidden)', async () => {
    render(createElement(Window, { dialogOpen: true }));
    const dialog = await screen.findByRole('dialog', { name: 'Settings of deb' });
    // MUI hides the rest of the page from assistive technology while the modal is open.
    expect(document.getElementById('root') ?? document.body.firstElementChild).toBeTruthy();
    act(() => notify('Could not start "deb": the disk is missing.', 'error'));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('Could not start "deb"');
    // Also found without `hidden: true`: it is not inside an aria-hidden subtree.
    expect(screen.getByRole('alert')).toBe(alert);
    // Its Close button is inside the dialog's focus trap, reachable from the keyboard.
    expect(within(dialog).getByRole('button', { name: 'Close' })).toBeTruthy();
  });

  it('without a dialog they stay in the window', async () => {
    render(createElement(Window, { dialogOpen: false }));
    expect(topModalContainer()).toBeNull();
    act(() => notify('Created "deb".', 'success'));
    expect((await screen.findByRole('alert')).textContent).toContain('Created "deb".');
  });
});
