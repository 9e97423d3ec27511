import { useEffect, useMemo, useState } from 'react';
import type { HangarApi } from '../../bridge/hangar-api.js';
import { PcmPlayer } from './pcm-player.js';
import type { VncAudioSink } from './vnc-audio.js';

export interface DisplayAudio {
  sink: VncAudioSink;
  muted: boolean;
  volume: number;
  setMuted: (muted: boolean) => void;
  setVolume: (volume: number) => void;
  /** Where the host plays the sound itself ("PulseAudio"), or null when it does not (backend `none`). */
  hostOutput: string | null;
}

/**
 * The display's sound: a PcmPlayer fed by the VNC audio stream, volume and mute. Where QEMU already plays to this
 * host's sound server (host.info audio), the display starts muted so the sound is not heard twice; otherwise
 * (the browser host's usual case, or no sound server) it starts on. Browsers keep audio suspended until a user
 * gesture: any pointer or key press on the page resumes it.
 */
export function useDisplayAudio(api: HangarApi, hasSound: boolean): DisplayAudio {
  const player = useMemo(() => new PcmPlayer(), []);
  const [muted, setMutedState] = useState(false);
  const [volume, setVolumeState] = useState(1);
  const [hostOutput, setHostOutput] = useState<string | null>(null);

  useEffect(() => {
    if (!hasSound) return;
    let live = true;
    api.call('host.info', {}).then(
      (h) => {
        if (!live || !h.audio || h.audio.backend === 'none') return;
        setHostOutput(h.audio.label);
        setMutedState(true);
      },
      () => undefined, // no host facts: keep streaming
    );
    return () => {
      live = false;
    };
  }, [api, hasSound]);

  useEffect(() => {
    const resume = () => player.resume();
    window.addEventListener('pointerdown', resume, true);
    window.addEventListener('keydown', resume, true);
    return () => {
      window.removeEventListener('pointerdown', resume, true);
      window.removeEventListener('keydown', resume, true);
      player.close();
    };
  }, [player]);

  const sink = useMemo<VncAudioSink>(() => ({ onData: (pcm, format) => player.push(pcm, format) }), [player]);
  return {
    sink,
    muted,
    volume,
    hostOutput,
    setMuted: (m) => {
      setMutedState(m);
      if (!m) player.resume();
    },
    setVolume: (v) => {
      setVolumeState(v);
      player.setVolume(v);
    },
  };
}
