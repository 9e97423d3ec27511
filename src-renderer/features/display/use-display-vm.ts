import { useEffect, useRef, useState } from 'react';
import type { HangarApi } from '../../bridge/hangar-api.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import type { DisplayMode } from '../../../src-shared/contract/app-contract.js';
import { rememberDisplayMode, type ClipboardPolicy, type DisplayDevice } from './display-model.js';

export interface DisplayVmInfo {
  /** The VM's id (the view may have been opened by another reference): the key of its remembered display mode. */
  id: string;
  name: string;
  displayDevice: DisplayDevice;
  clipboard: ClipboardPolicy;
  accelerator: 'kvm' | 'tcg' | null;
  /** The VM has a sound card (its sound can be streamed over the display). */
  sound: boolean;
}

type EngineLink = ReturnType<HangarApi['connection']>;

/**
 * The engine connection as the display shows it, and `epoch`, bumped each time it comes back after a loss
 * (the browser host or the engine restarted): what was shown may have changed meanwhile.
 */
export function useEngineLink(api: HangarApi): { engineLink: EngineLink; epoch: number } {
  const [engineLink, setEngineLink] = useState(() => api.connection());
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    let lost = api.connection() !== 'open';
    setEngineLink(api.connection());
    return api.onConnectionChange((s) => {
      setEngineLink(s);
      if (s !== 'open') lost = true;
      else if (lost) {
        lost = false;
        setEpoch((n) => n + 1);
      }
    });
  }, [api]);
  return { engineLink, epoch };
}

/** The VM (name, clipboard policy, accelerator) and its live run state; read again after `epoch` changes. */
export function useDisplayVm(api: HangarApi, vmId: string, epoch: number, onError: (message: string) => void): { info: DisplayVmInfo | null; state: VmRunState | null } {
  const [state, setState] = useState<VmRunState | null>(null);
  const [info, setInfo] = useState<DisplayVmInfo | null>(null);
  const vmIdRef = useRef(vmId);
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;
  useEffect(() => {
    let alive = true;
    vmIdRef.current = vmId;
    const load = () =>
      api.call('vm.get', { vm: vmId }).then(
        (r) => {
          if (!alive) return;
          vmIdRef.current = r.doc.id;
          setInfo({ id: r.doc.id, name: r.doc.name, displayDevice: r.doc.display.device, clipboard: r.doc.clipboard, accelerator: r.accelerator ?? null, sound: r.doc.audio.device !== 'none' });
          setState(r.state);
        },
        (err: Error) => alive && onErrorRef.current(err.message),
      );
    void load();
    const off = api.onEvent((e) => {
      if (!('vmId' in e) || e.vmId !== vmIdRef.current) return;
      if (e.type === 'vm.state') {
        setState(e.state);
        if (e.state.kind === 'running') void load();
      } else if (e.type === 'vm.changed') void load();
    });
    return () => {
      alive = false;
      off();
    };
  }, [api, vmId, epoch]);
  return { info, state };
}

const DEFAULT_HOST_KEY = 'ControlRight';

/**
 * Preferences: the host key, the user's key combos and the remembered display modes (defaults without prefs);
 * `loaded` once read (or failed), so the display mode is not guessed before the remembered one is known.
 */
export function useDisplayPrefs(api: HangarApi): { hostKey: string; customCombos: string[]; displayModes: Record<string, DisplayMode> | undefined; loaded: boolean } {
  const [hostKey, setHostKey] = useState(DEFAULT_HOST_KEY);
  const [customCombos, setCustomCombos] = useState<string[]>([]);
  const [displayModes, setDisplayModes] = useState<Record<string, DisplayMode> | undefined>(undefined);
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    let alive = true;
    api.app('prefs:get', undefined).then(
      (p) => {
        if (!alive) return;
        if (p.hostKey) setHostKey(p.hostKey);
        setCustomCombos(p.customKeyCombos ?? []);
        setDisplayModes(p.displayModes);
        setLoaded(true);
      },
      () => alive && setLoaded(true), // no prefs: defaults
    );
    return () => {
      alive = false;
    };
  }, [api]);
  return { hostKey, customCombos, displayModes, loaded };
}

/** Saves a machine's display mode in the prefs (read first: another display window may have saved its own). */
export async function saveDisplayMode(api: HangarApi, vmId: string, mode: DisplayMode): Promise<void> {
  const prefs = await api.app('prefs:get', undefined);
  await api.app('prefs:set', { displayModes: rememberDisplayMode(prefs.displayModes, vmId, mode) });
}
