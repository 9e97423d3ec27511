// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { HostSummary } from '../../../../src-shared/contract/index.js';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { HangarRoot } from '../../../../src-renderer/hangar-root.js';
import { FirstRunGate, firstRunNeed, kvmLine } from '../../../../src-renderer/features/first-run/index.js';
import { installCommand, firmwareInstallCommand, parseOsRelease } from '../../../../src-main/engine/qemu/install-hint.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

const DEBIAN = parseOsRelease('ID=debian\n');
const present: HostSummary = {
  qemuVersion: '7.2.0', qemuBinary: '/usr/bin/qemu-system-x86_64', accelerators: ['kvm', 'tcg'], kvm: { usable: true, reason: '' },
  uefiAvailable: true, swtpmAvailable: true, hostMemoryMiB: 8192, hostCpus: 4, libraryDir: '/library',
};
const noQemu: HostSummary = {
  ...present, qemuVersion: null, qemuBinary: null, accelerators: [], kvm: { usable: false, reason: 'QEMU is not installed' }, uefiAvailable: false, swtpmAvailable: false,
  installHint: installCommand('linux', DEBIAN),
};
const noFirmware: HostSummary = { ...present, uefiAvailable: false, firmwareInstallHint: firmwareInstallCommand('linux', DEBIAN) };
const noKvm: HostSummary = { ...present, accelerators: ['tcg'], kvm: { usable: false, reason: '/dev/kvm is not writable by this user: add yourself to the "kvm" group (sudo usermod -aG kvm $USER) and log in again; guests run under TCG emulation (slow)' } };

/** A fake whose host.info answers from `hosts` in turn (the last one repeats). */
function apiWithHosts(hosts: HostSummary[], vms: Array<{ name: string }> = []) {
  const api = new FakeHangarApi({ vms });
  let i = 0;
  api.handle('host.info', () => hosts[Math.min(i++, hosts.length - 1)]!);
  return api;
}

describe('first-run model', () => {
  it('names QEMU first, then the firmware; nothing when both are there', () => {
    expect(firstRunNeed(noQemu)).toMatchObject({ missing: 'qemu', command: 'sudo apt-get install -y qemu-system-x86 qemu-utils ovmf', canContinue: false });
    expect(firstRunNeed(noFirmware)).toMatchObject({ missing: 'firmware', command: 'sudo apt-get install -y ovmf', canContinue: true });
    expect(firstRunNeed(present)).toBeNull();
    expect(firstRunNeed(noKvm)).toBeNull();
  });

  it('the KVM line says the consequence and the fix, only when QEMU is there and KVM is not usable', () => {
    expect(kvmLine(present)).toBeNull();
    expect(kvmLine(noQemu)).toBeNull();
    const line = kvmLine(noKvm)!;
    expect(line).toMatch(/^KVM acceleration is unavailable, so machines run under slower TCG emulation\./);
    expect(line).toContain('sudo usermod -aG kvm $USER');
  });

  it('firmware install commands per platform', () => {
    expect(firmwareInstallCommand('linux', parseOsRelease('ID=ubuntu\n'))).toBe('sudo apt-get install -y ovmf');
    expect(firmwareInstallCommand('linux', parseOsRelease('ID=fedora\n'))).toBe('sudo dnf install -y edk2-ovmf');
    expect(firmwareInstallCommand('linux', parseOsRelease('ID=arch\n'))).toBe('sudo pacman -S edk2-ovmf');
    expect(firmwareInstallCommand('linux', parseOsRelease('ID="opensuse-leap"\nID_LIKE="suse opensuse"\n'))).toBe('sudo zypper install qemu-ovmf-x86_64');
    expect(firmwareInstallCommand('darwin', null)).toBe('brew reinstall qemu');
    expect(firmwareInstallCommand('win32', null)).toBe('winget install SoftwareFreedomConservancy.QEMU');
    expect(firmwareInstallCommand('linux', parseOsRelease('ID=debian\n'), 'aarch64')).toBe('sudo apt-get install -y qemu-efi-aarch64');
  });
});

describe('the first-run gate', () => {
  it('without QEMU: names it, shows the exact command with Copy, and "Check again" re-probes until QEMU is found', async () => {
    const api = apiWithHosts([noQemu, noQemu, present]);
    const user = userEvent.setup();
    renderWithApi(createElement(FirstRunGate, null, createElement('p', null, 'the library')), api);
    expect(await screen.findByRole('heading', { name: 'QEMU is not installed' })).toBeTruthy();
    expect(screen.getByLabelText('Install command').textContent).toBe('sudo apt-get install -y qemu-system-x86 qemu-utils ovmf');
    expect(screen.queryByText('the library')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Continue without UEFI' })).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Copy' }));
    expect(await navigator.clipboard.readText()).toBe('sudo apt-get install -y qemu-system-x86 qemu-utils ovmf');
    expect(await screen.findByRole('button', { name: 'Copied' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Check again' }));
    await waitFor(() => expect(api.callsOf('host.info')).toHaveLength(2));
    expect(api.callsOf('host.info')).toEqual([{}, { refresh: true }]);
    expect(await screen.findByRole('heading', { name: 'QEMU is not installed' })).toBeTruthy();

    await user.click(await screen.findByRole('button', { name: 'Check again' }));
    expect(await screen.findByText('the library')).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'QEMU is not installed' })).toBeNull();
  });

  it('without UEFI firmware: names OVMF and its command; "Continue without UEFI" opens the library', async () => {
    const api = apiWithHosts([{ ...noFirmware, ...{ kvm: noKvm.kvm, accelerators: ['tcg'] } }]);
    const user = userEvent.setup();
    renderWithApi(createElement(FirstRunGate, null, createElement('p', null, 'the library')), api);
    expect(await screen.findByRole('heading', { name: 'UEFI firmware (OVMF) is not installed' })).toBeTruthy();
    expect(screen.getByLabelText('Install command').textContent).toBe('sudo apt-get install -y ovmf');
    expect(screen.getByText(/KVM acceleration is unavailable/).textContent).toContain('kvm" group');
    await user.click(screen.getByRole('button', { name: 'Continue without UEFI' }));
    expect(await screen.findByText('the library')).toBeTruthy();
  });

  it('"Check again" that fails says why and keeps the screen', async () => {
    const api = apiWithHosts([noQemu]);
    const user = userEvent.setup();
    renderWithApi(createElement(FirstRunGate, null, createElement('p', null, 'the library')), api);
    await screen.findByRole('heading', { name: 'QEMU is not installed' });
    api.failNext('host.info', 'io', 'engine went away');
    await user.click(screen.getByRole('button', { name: 'Check again' }));
    expect(await screen.findByText(/Could not check this computer for QEMU: engine went away/)).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'QEMU is not installed' })).toBeTruthy();
  });

  it('shows the children when QEMU and firmware are there, or when the engine cannot be asked', async () => {
    const ok = apiWithHosts([present]);
    renderWithApi(createElement(FirstRunGate, null, createElement('p', null, 'the library')), ok);
    expect(await screen.findByText('the library')).toBeTruthy();
    await waitFor(() => expect(ok.callsOf('host.info')).toHaveLength(1));
    cleanup();

    const failing = apiWithHosts([present]);
    failing.failNext('host.info', 'io', 'nope');
    renderWithApi(createElement(FirstRunGate, null, createElement('p', null, 'the library')), failing);
    await waitFor(() => expect(failing.callsOf('host.info')).toHaveLength(1));
    expect(screen.getByText('the library')).toBeTruthy();
  });

  it('asks again once the engine connection opens', async () => {
    const api = new FakeHangarApi({ connection: 'connecting' });
    api.handle('host.info', () => noQemu);
    renderWithApi(createElement(FirstRunGate, null, createElement('p', null, 'the library')), api);
    expect(screen.getByText('the library')).toBeTruthy();
    expect(api.callsOf('host.info')).toHaveLength(0);
    api.setConnection('open');
    expect(await screen.findByRole('heading', { name: 'QEMU is not installed' })).toBeTruthy();
  });
});

describe('the empty-library welcome (HangarRoot)', () => {
  it('offers "Create your first virtual machine" (opens the wizard) and "Add existing machine"', async () => {
    const api = apiWithHosts([present]);
    const user = userEvent.setup();
    render(createElement(HangarRoot, { api }));
    const create = await screen.findByRole('button', { name: 'Create your first virtual machine' });
    expect(screen.getByRole('heading', { name: 'Welcome to Hangar' })).toBeTruthy();
    expect(screen.queryByText(/KVM acceleration is unavailable/)).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Add existing machine' }));
    await waitFor(() => expect(api.appCalls.map((c) => c.channel)).toContain('dialog:chooseFolder'));
    await user.click(create);
    expect(await screen.findByRole('dialog', { name: 'New machine' })).toBeTruthy();
  });

  it('says when KVM is unavailable, with the reason', async () => {
    const api = apiWithHosts([noKvm]);
    render(createElement(HangarRoot, { api }));
    await screen.findByRole('button', { name: 'Create your first virtual machine' });
    expect((await screen.findByText(/KVM acceleration is unavailable/)).textContent).toContain('sudo usermod -aG kvm $USER');
  });

  it('is not shown once the library has machines', async () => {
    const api = apiWithHosts([present], [{ name: 'deb' }]);
    render(createElement(HangarRoot, { api }));
    expect(await screen.findByRole('option', { name: 'deb' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Create your first virtual machine' })).toBeNull();
  });

  it('HangarRoot shows the first-run screen instead of the library while QEMU is missing', async () => {
    const api = apiWithHosts([noQemu], [{ name: 'deb' }]);
    render(createElement(HangarRoot, { api }));
    expect(await screen.findByRole('heading', { name: 'QEMU is not installed' })).toBeTruthy();
    expect(screen.queryByRole('listbox', { name: 'Virtual machines' })).toBeNull();
  });
});
