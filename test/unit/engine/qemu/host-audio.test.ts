import { describe, expect, it } from 'vitest';
import { audioModulesOf, chooseAudioBackend, parseAudiodevHelp, type AudioHostFacts } from '../../../../src-main/engine/qemu/host-audio.js';

// Debian 12's qemu-system-x86 without qemu-system-gui: stdout lists what loads, stderr names the missing modules.
const DEBIAN_HELP = 'Available audio drivers:\nnone\nalsa\ndbus\noss\nsndio\nspice\nwav\n';

const facts = (over: Partial<AudioHostFacts> = {}, files: string[] = []): AudioHostFacts => ({
  platform: 'linux',
  env: { XDG_RUNTIME_DIR: '/run/user/1000' },
  version: { major: 7, minor: 2, micro: 22 },
  osRelease: { ID: 'debian', ID_LIKE: '' },
  exists: (p) => files.includes(p),
  alsaCards: '--- no soundcards ---\n',
  ...over,
});

describe('host sound backend', () => {
  it('reads the drivers -audiodev help lists', () => {
    expect(parseAudiodevHelp(DEBIAN_HELP)).toEqual(['none', 'alsa', 'dbus', 'oss', 'sndio', 'spice', 'wav']);
    expect(parseAudiodevHelp('qemu: unexpected\n')).toEqual([]);
  });

  it('reads the drivers Debian ships as module files (qemu-system-gui adds audio-pa.so)', () => {
    expect(audioModulesOf(['accel-tcg-x86_64.so', 'audio-alsa.so', 'audio-pa.so', 'audio-evil.so.bak', 'ui-curses.so'])).toEqual(['alsa', 'pa']);
  });

  it('without the PulseAudio/PipeWire modules and no card: none, naming the package to install', () => {
    const a = chooseAudioBackend(parseAudiodevHelp(DEBIAN_HELP), facts());
    expect(a.backend).toBe('none');
    expect(a.missing).toMatch(/no PulseAudio or PipeWire driver/);
    expect(a.install).toBe('sudo apt install qemu-system-gui');
    expect(chooseAudioBackend(['none'], facts({ osRelease: { ID: 'fedora' } })).install).toMatch(/dnf install qemu-audio-pipewire/);
  });

  it('picks PulseAudio when QEMU has it and a server runs (PipeWire answers on the pulse socket too)', () => {
    const a = chooseAudioBackend(['none', 'alsa', 'pa', 'sdl'], facts({}, ['/run/user/1000/pulse/native']));
    expect(a).toMatchObject({ backend: 'pa', label: 'PulseAudio', missing: null, install: null });
    expect(chooseAudioBackend(['none', 'pa'], facts({ env: { PULSE_SERVER: 'unix:/tmp/p' } })).backend).toBe('pa');
  });

  it('never picks a driver whose server is not running (QEMU would refuse to start)', () => {
    const a = chooseAudioBackend(['none', 'alsa', 'pa'], facts());
    expect(a.backend).toBe('none');
    expect(a.missing).toMatch(/no sound server/);
    expect(a.install).toBeNull();
  });

  it('prefers QEMU 8.1+ PipeWire, and ignores a pipewire driver on older QEMU', () => {
    const files = ['/run/user/1000/pipewire-0', '/run/user/1000/pulse/native'];
    expect(chooseAudioBackend(['none', 'pa', 'pipewire'], facts({ version: { major: 8, minor: 1, micro: 0 } }, files)).backend).toBe('pipewire');
    expect(chooseAudioBackend(['none', 'pa', 'pipewire'], facts({}, files)).backend).toBe('pa');
  });

  it('falls back to an ALSA card when there is no sound server', () => {
    const a = chooseAudioBackend(['none', 'alsa'], facts({ alsaCards: ' 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n' }));
    expect(a.backend).toBe('alsa');
    expect(a.install).toBe('sudo apt install qemu-system-gui');
  });

  it('uses Core Audio on macOS and DirectSound on Windows', () => {
    expect(chooseAudioBackend(['none', 'coreaudio'], facts({ platform: 'darwin' })).backend).toBe('coreaudio');
    expect(chooseAudioBackend(['none', 'dsound'], facts({ platform: 'win32' })).backend).toBe('dsound');
    expect(chooseAudioBackend(['none'], facts({ platform: 'win32' })).backend).toBe('none');
  });
});

describe('probeHostAudio', () => {
  it('adds the audio modules next to the binary to what -audiodev help lists (Debian qemu-system-gui)', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { probeHostAudio } = await import('../../../../src-main/engine/qemu/host-audio.js');
    const root = mkdtempSync(join(tmpdir(), 'hangar-audio-'));
    try {
      const bin = join(root, 'bin', 'qemu-system-x86_64');
      mkdirSync(join(root, 'bin'));
      writeFileSync(bin, '#!/bin/sh\n[ "$1 $2" = "-audiodev help" ] || exit 1\nprintf "Available audio drivers:\\nnone\\nalsa\\n"\n', { mode: 0o755 });
      mkdirSync(join(root, 'lib', 'x86_64-linux-gnu', 'qemu'), { recursive: true });
      writeFileSync(join(root, 'lib', 'x86_64-linux-gnu', 'qemu', 'audio-pa.so'), '');
      const runtime = join(root, 'run');
      mkdirSync(join(runtime, 'pulse'), { recursive: true });
      writeFileSync(join(runtime, 'pulse', 'native'), '');
      const host = {
        hostArch: 'x86_64', platform: 'linux', swtpm: null, installHint: '', osRelease: { ID: 'debian' },
        emulators: { x86_64: { arch: 'x86_64', binary: bin, version: { major: 7, minor: 2, micro: 22 }, accelerators: ['tcg' as const], kvm: { usable: false, reason: '' }, machines: [], firmware: [] } },
      };
      const a = await probeHostAudio(host, { XDG_RUNTIME_DIR: runtime });
      expect(a.drivers).toEqual(['none', 'alsa', 'pa']);
      expect(a.backend).toBe('pa');
      // The same QEMU without a running server, and one that cannot list drivers at all.
      expect((await probeHostAudio(host, { XDG_RUNTIME_DIR: join(root, 'nowhere') })).backend).toBe('none');
      writeFileSync(bin, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
      expect((await probeHostAudio(host, { XDG_RUNTIME_DIR: runtime })).drivers).toEqual(['pa']);
      // The probe's cached answer (EmulatorInfo.audiodevs) is used without running QEMU.
      const cached = { ...host, emulators: { x86_64: { ...host.emulators.x86_64, audiodevs: ['none', 'alsa'] } } };
      expect((await probeHostAudio(cached, { XDG_RUNTIME_DIR: runtime })).drivers).toEqual(['none', 'alsa', 'pa']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
