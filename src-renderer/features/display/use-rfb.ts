import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import RFB from '@novnc/novnc';
import type { HangarApi } from '../../bridge/hangar-api.js';
import { allowsGuestToHost, allowsHostToGuest, type ClipboardPolicy, type DisplayMode } from './display-model.js';
import { DEFAULT_AUDIO_FORMAT } from '../../../src-shared/vnc-audio/vnc-audio-codec.js';
import { attachVncAudio, type VncAudioControl, type VncAudioSink } from './vnc-audio.js';

export type DisplayLink = { kind: 'connecting' } | { kind: 'connected' } | { kind: 'closed'; reason: string };

export interface RfbOptions {
  /** The screen box noVNC draws its canvas into (it keeps the keyboard focus between captures). */
  screenRef: RefObject<HTMLDivElement | null>;
  /** fit: scaled; actual: 1:1; resize: noVNC asks QEMU for the screen box's size (resizeSession), scaled until the guest follows. */
  scale: DisplayMode;
  clipboard: ClipboardPolicy;
  /** The VM's policy has been read (until then `clipboard` is a placeholder): a later change reconnects. */
  clipboardKnown?: boolean;
  /** KeyboardEvent.code of the key that releases keyboard capture. */
  hostKey: string;
  /** The VM's run state kind: a display cut off reconnects when the VM comes back to running. */
  stateKind: string | undefined;
  /** Bumped when the engine connection comes back: a display cut off with it reconnects. */
  engineEpoch: number;
  /** Where the guest's sound goes when streamed over the display (QEMU's VNC audio, vnc-audio.ts). */
  audioSink?: VncAudioSink;
  /** Stream the sound (the VM has a sound card and it is not muted). */
  audio?: boolean;
}

export interface RfbDisplay {
  link: DisplayLink;
  /** noVNC's canvas has the keyboard. */
  captured: boolean;
  /** The framebuffer's size, once known. */
  resolution: { width: number; height: number } | null;
  /** A fresh channel and RFB (the Reconnect button). */
  reconnect: () => void;
  /** Gives the keyboard back to the guest (after a toolbar action). */
  focus: () => void;
  disconnect: () => void;
}

/** Scaling and resizeSession for a mode (noVNC sends SetDesktopSize when resizeSession turns on, and on each resize). */
function applyMode(rfb: RFB, mode: DisplayMode): void {
  rfb.scaleViewport = mode !== 'actual';
  rfb.resizeSession = mode === 'resize';
}

/**
 * noVNC on `api.openDisplay(vmId)`: one RFB per generation (Reconnect, a VM running again and an engine that came
 * back make a new one), keyboard capture with the host key, the clipboard policy, and the framebuffer's size.
 * Knows nothing of the toolbar or the status bar (noVNC's own split: core/rfb.js knows nothing of app/ui.js).
 */
export function useRfb(api: HangarApi, vmId: string, options: RfbOptions): RfbDisplay {
  const { screenRef, scale, clipboard, clipboardKnown, hostKey, stateKind, engineEpoch, audio = false } = options;
  const audioSinkRef = useRef(options.audioSink);
  audioSinkRef.current = options.audioSink;
  const audioRef = useRef(audio);
  audioRef.current = audio;
  const audioCtlRef = useRef<VncAudioControl | null>(null);
  const rfbRef = useRef<RFB | null>(null);
  const [generation, setGeneration] = useState(0);
  const [link, setLink] = useState<DisplayLink>({ kind: 'connecting' });
  const [captured, setCaptured] = useState(false);
  const [resolution, setResolution] = useState<{ width: number; height: number } | null>(null);
  // Read by the listeners of the current RFB without making a new one.
  const scaleRef = useRef(scale);
  scaleRef.current = scale;
  const policyRef = useRef(clipboard);
  policyRef.current = clipboard;
  const hostKeyRef = useRef(hostKey);
  hostKeyRef.current = hostKey;

  // noVNC on a fresh channel per generation.
  useEffect(() => {
    const screen = screenRef.current;
    if (!screen) return;
    setLink({ kind: 'connecting' });
    setCaptured(false);
    const channel = api.openDisplay(vmId);
    let closeReason = '';
    let rfb: RFB;
    try {
      rfb = new RFB(screen, channel, { shared: true });
    } catch (err) {
      setLink({ kind: 'closed', reason: (err as Error).message });
      channel.close();
      return;
    }
    // noVNC owns onclose now; keep the reason the relay gave (noVNC drops it).
    const noVncOnClose = channel.onclose;
    channel.onclose = (e) => {
      closeReason = e.reason;
      noVncOnClose?.(e);
    };
    // Before any byte arrives: the audio hook must be in place for noVNC's SetEncodings.
    const audioCtl = attachVncAudio(rfb, { onData: (pcm, format) => audioSinkRef.current?.onData(pcm, format) }, DEFAULT_AUDIO_FORMAT);
    audioCtl.setEnabled(audioRef.current);
    audioCtlRef.current = audioCtl;
    applyMode(rfb, scaleRef.current);
    rfb.clipViewport = false;
    rfb.focusOnClick = true;
    rfb.background = '#000';
    rfbRef.current = rfb;
    rfb.addEventListener('connect', () => setLink({ kind: 'connected' }));
    rfb.addEventListener('disconnect', (e) => {
      setCaptured(false);
      setLink({ kind: 'closed', reason: closeReason || (e.detail.clean ? 'The display was closed.' : 'The display connection was lost.') });
    });
    rfb.addEventListener('clipboard', (e) => {
      if (!allowsGuestToHost(policyRef.current)) return;
      navigator.clipboard?.writeText(e.detail.text).catch(() => undefined);
    });

    // Keyboard capture = noVNC's canvas has focus (the screen box around it only holds the keyboard focus, so
    // Tab can reach it and leave it). The host key (capture phase, before noVNC's listener) releases it, back
    // to the screen box.
    const isCanvas = (t: EventTarget | null) => t instanceof HTMLCanvasElement;
    const onFocusIn = (e: FocusEvent) => {
      if (!isCanvas(e.target)) return;
      setCaptured(true);
      if (allowsHostToGuest(policyRef.current)) {
        navigator.clipboard?.readText().then(
          (text) => text && rfb.clipboardPasteFrom(text),
          () => undefined, // not allowed to read: nothing to share
        );
      }
    };
    const onFocusOut = (e: FocusEvent) => {
      if (isCanvas(e.target)) setCaptured(false);
    };
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.target === screen) {
        // On the screen box itself: Enter captures the keyboard (Tab and the rest move on as usual).
        if (e.type === 'keydown' && e.key === 'Enter' && !e.ctrlKey && !e.altKey && !e.metaKey) {
          e.preventDefault();
          rfb.focus();
        }
        return;
      }
      if (e.code !== hostKeyRef.current) return;
      e.preventDefault();
      e.stopPropagation();
      rfb.blur();
      setCaptured(false);
      if (e.type === 'keydown') screen.focus();
    };
    screen.addEventListener('focusin', onFocusIn);
    screen.addEventListener('focusout', onFocusOut);
    screen.addEventListener('keydown', onKeyDown, true);
    screen.addEventListener('keyup', onKeyDown, true);

    // Resolution: the canvas's own size is the framebuffer's; noVNC has no resize event.
    const measure = () => {
      const canvas = screen.querySelector('canvas');
      if (canvas && canvas.width > 0 && canvas.height > 0) setResolution({ width: canvas.width, height: canvas.height });
    };
    const observers: Array<{ disconnect(): void }> = [];
    const canvas = screen.querySelector('canvas');
    if (canvas) {
      if (typeof ResizeObserver !== 'undefined') {
        const ro = new ResizeObserver(measure);
        ro.observe(canvas);
        observers.push(ro);
      }
      if (typeof MutationObserver !== 'undefined') {
        const mo = new MutationObserver(measure);
        mo.observe(canvas, { attributes: true, attributeFilter: ['width', 'height'] });
        observers.push(mo);
      }
    }
    rfb.addEventListener('connect', measure);

    return () => {
      for (const o of observers) o.disconnect();
      screen.removeEventListener('focusin', onFocusIn);
      screen.removeEventListener('focusout', onFocusOut);
      screen.removeEventListener('keydown', onKeyDown, true);
      screen.removeEventListener('keyup', onKeyDown, true);
      rfbRef.current = null;
      audioCtlRef.current = null;
      try {
        rfb.disconnect();
      } catch {
        // already disconnected
      }
      channel.close();
    };
  }, [api, vmId, generation, screenRef]);

  useEffect(() => {
    if (rfbRef.current) applyMode(rfbRef.current, scale);
  }, [scale]);

  // A new clipboard policy: the engine applies it to what this page sends at once, but what QEMU offers the
  // page (the guest's clipboard) is settled when the display connects, so connect again.
  const shownPolicy = useRef<ClipboardPolicy | null>(null);
  useEffect(() => {
    if (!clipboardKnown) return;
    const before = shownPolicy.current;
    shownPolicy.current = clipboard;
    if (before !== null && before !== clipboard) setGeneration((g) => g + 1);
  }, [clipboard, clipboardKnown]);
  useEffect(() => {
    audioCtlRef.current?.setEnabled(audio);
  }, [audio]);

  // A display cut off comes back by itself when the VM runs again or the engine connection is back
  // (`linkClosed` is read, not watched: only those changes reconnect).
  const linkClosed = link.kind === 'closed';
  const linkClosedRef = useRef(linkClosed);
  linkClosedRef.current = linkClosed;
  useEffect(() => {
    if (stateKind === 'running' && linkClosedRef.current) setGeneration((g) => g + 1);
  }, [stateKind]);
  useEffect(() => {
    if (engineEpoch > 0 && linkClosedRef.current) setGeneration((g) => g + 1);
  }, [engineEpoch]);

  const reconnect = useCallback(() => setGeneration((g) => g + 1), []);
  const focus = useCallback(() => rfbRef.current?.focus(), []);
  const disconnect = useCallback(() => {
    try {
      rfbRef.current?.disconnect();
    } catch {
      // already closed
    }
  }, []);

  return { link, captured, resolution, reconnect, focus, disconnect };
}
