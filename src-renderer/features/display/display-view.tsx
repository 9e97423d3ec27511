import { useCallback, useEffect, useRef, useState } from 'react';
import RFB from '@novnc/novnc';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Divider from '@mui/material/Divider';
import IconButton from '@mui/material/IconButton';
import ListSubheader from '@mui/material/ListSubheader';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import CloseIcon from '@mui/icons-material/Close';
import ContentPasteIcon from '@mui/icons-material/ContentPaste';
import CropFreeIcon from '@mui/icons-material/CropFree';
import FitScreenIcon from '@mui/icons-material/FitScreen';
import FullscreenIcon from '@mui/icons-material/Fullscreen';
import FullscreenExitIcon from '@mui/icons-material/FullscreenExit';
import KeyboardIcon from '@mui/icons-material/Keyboard';
import PhotoCameraIcon from '@mui/icons-material/PhotoCamera';
import type { HangarApi } from '../../bridge/hangar-api.js';
import type { VmRunState } from '../../../src-shared/vm-state.js';
import { isDisposable } from '../../../src-shared/vm-state.js';
import { useApi } from '../../state/api-context.js';
import {
  allowsGuestToHost,
  allowsHostToGuest,
  base64ToBytes,
  clipboardLabel,
  hostKeyLabel,
  RUN_STATE_TEXT,
  screenshotFileName,
  sendKeyItems,
  type ClipboardPolicy,
  type ScaleMode,
} from './display-model.js';

export interface DisplayViewProps {
  vmId: string;
  /** Defaults to the ApiContext (src-renderer/state/api-context.tsx). */
  api?: HangarApi;
  /** "Close display": the host removes the view (the VM keeps running). */
  onClose?: () => void;
}

type Link = { kind: 'connecting' } | { kind: 'connected' } | { kind: 'closed'; reason: string };

interface VmInfo {
  name: string;
  clipboard: ClipboardPolicy;
  accelerator: 'kvm' | 'tcg' | null;
}

const DEFAULT_HOST_KEY = 'ControlRight';

/** The ApiContext's api, or null without an <ApiProvider> (then the `api` prop is required). */
function useOptionalApi(): HangarApi | null {
  try {
    return useApi();
  } catch {
    return null;
  }
}

/**
 * The live screen of one VM: noVNC over `api.openDisplay(vmId)` (an engine MessagePort in Electron, the
 * `/display` WebSocket in the browser host), a toolbar (scale, fullscreen, send keys, type clipboard,
 * screenshot, close) and a status bar (run state, accelerator, resolution, clipboard policy, keyboard capture).
 */
export function DisplayView({ vmId, api: apiProp, onClose }: DisplayViewProps) {
  const contextApi = useOptionalApi();
  const api = apiProp ?? contextApi;
  if (!api) throw new Error('DisplayView needs an api prop or an <ApiProvider> above it');

  const rootRef = useRef<HTMLDivElement>(null);
  const screenRef = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
  const [generation, setGeneration] = useState(0);
  const [link, setLink] = useState<Link>({ kind: 'connecting' });
  const [state, setState] = useState<VmRunState | null>(null);
  const [info, setInfo] = useState<VmInfo | null>(null);
  const [hostKey, setHostKey] = useState(DEFAULT_HOST_KEY);
  const [customCombos, setCustomCombos] = useState<string[]>([]);
  const [scale, setScale] = useState<ScaleMode>('fit');
  const [fullscreen, setFullscreen] = useState(false);
  const [captured, setCaptured] = useState(false);
  const [resolution, setResolution] = useState<{ width: number; height: number } | null>(null);
  const [keysAnchor, setKeysAnchor] = useState<HTMLElement | null>(null);
  const [typePrompt, setTypePrompt] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [engineLink, setEngineLink] = useState(() => api.connection());
  /** Bumped when the engine connection comes back: what was shown may have changed meanwhile. */
  const [engineEpoch, setEngineEpoch] = useState(0);
  const scaleRef = useRef(scale);
  scaleRef.current = scale;
  const policyRef = useRef<ClipboardPolicy>('off');
  policyRef.current = info?.clipboard ?? 'off';
  const vmIdRef = useRef(vmId);
  const hostKeyRef = useRef(hostKey);
  hostKeyRef.current = hostKey;

  // The VM (name, clipboard policy, accelerator, run state) and its live run state.
  useEffect(() => {
    let alive = true;
    vmIdRef.current = vmId;
    const load = () =>
      api.call('vm.get', { vm: vmId }).then(
        (r) => {
          if (!alive) return;
          vmIdRef.current = r.doc.id;
          setInfo({ name: r.doc.name, clipboard: r.doc.clipboard, accelerator: r.accelerator ?? null });
          setState(r.state);
        },
        (err: Error) => alive && setError(err.message),
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
    // engineEpoch: reload after a reconnect.
  }, [api, vmId, engineEpoch]);

  // Preferences: the host key and the user's key combos.
  useEffect(() => {
    let alive = true;
    api.app('prefs:get', undefined).then(
      (p) => {
        if (!alive) return;
        if (p.hostKey) setHostKey(p.hostKey);
        setCustomCombos(p.customKeyCombos ?? []);
      },
      () => undefined, // no prefs: defaults
    );
    return () => {
      alive = false;
    };
  }, [api]);

  // noVNC on a fresh channel per generation (Reconnect and a VM coming back bump it).
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
    rfb.scaleViewport = scaleRef.current === 'fit';
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
      try {
        rfb.disconnect();
      } catch {
        // already disconnected
      }
      channel.close();
    };
  }, [api, vmId, generation]);

  // The host went away (the browser host or the engine restarted): the overlay says so, and once the engine
  // connection is back a display that was cut off reconnects by itself.
  const linkClosedRef = useRef(false);
  linkClosedRef.current = link.kind === 'closed';
  useEffect(() => {
    let lost = api.connection() !== 'open';
    setEngineLink(api.connection());
    return api.onConnectionChange((s) => {
      setEngineLink(s);
      if (s !== 'open') lost = true;
      else if (lost) {
        lost = false;
        setEngineEpoch((n) => n + 1);
        if (linkClosedRef.current) setGeneration((g) => g + 1);
      }
    });
  }, [api]);

  // A VM that comes back to running gets its display back by itself.
  const stateKind = state?.kind;
  const linkClosed = link.kind === 'closed';
  useEffect(() => {
    if (stateKind === 'running' && linkClosed) setGeneration((g) => g + 1);
    // Only when the VM's state changes (linkClosed is read, not watched).
  }, [stateKind]);

  useEffect(() => {
    if (rfbRef.current) rfbRef.current.scaleViewport = scale === 'fit';
  }, [scale]);

  useEffect(() => {
    const onChange = () => setFullscreen(document.fullscreenElement === rootRef.current && rootRef.current !== null);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);

  const fail = useCallback((what: string) => (err: Error) => setError(`${what}: ${err.message}`), []);

  const toggleFullscreen = () => {
    const root = rootRef.current;
    if (!root) return;
    if (document.fullscreenElement) void document.exitFullscreen?.().catch(fail('Could not leave fullscreen'));
    else if (root.requestFullscreen) void root.requestFullscreen().catch(fail('Could not go fullscreen'));
    else setError('Fullscreen is not available here.');
  };

  const sendKey = (combo: string) => {
    setKeysAnchor(null);
    api.call('vm.sendKey', { vm: vmId, combo }).then(() => rfbRef.current?.focus(), fail('Could not send the keys'));
  };

  const typeText = (text: string) => {
    if (text === '') return;
    api.call('vm.typeText', { vm: vmId, text }).then(() => rfbRef.current?.focus(), fail('Could not type the text'));
  };

  const typeClipboard = async () => {
    let text: string | null = null;
    try {
      text = (await navigator.clipboard?.readText()) ?? null;
    } catch {
      text = null; // not allowed (browser host without permission): ask instead
    }
    if (text) typeText(text);
    else setTypePrompt('');
  };

  const screenshot = () => {
    api.call('vm.screenshot', { vm: vmId }).then((r) => {
      const url = URL.createObjectURL(new Blob([base64ToBytes(r.pngBase64)], { type: 'image/png' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = screenshotFileName(info?.name ?? 'screen', new Date());
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    }, fail('Could not take a screenshot'));
  };

  const close = () => {
    try {
      rfbRef.current?.disconnect();
    } catch {
      // already closed
    }
    onClose?.();
  };

  const items = sendKeyItems(customCombos);
  const hostKeyName = hostKeyLabel(hostKey);
  const running = state?.kind === 'running' || state?.kind === 'paused';

  return (
    <Box
      ref={rootRef}
      role="region"
      aria-label={`Display of ${info?.name ?? 'the VM'}`}
      sx={{ display: 'flex', flexDirection: 'column', height: '100%', minHeight: 0, bgcolor: 'background.default', color: 'text.primary' }}
    >
      <Box role="toolbar" aria-label="Display" sx={{ display: 'flex', alignItems: 'center', gap: 0.5, px: 1, py: 0.5, borderBottom: 1, borderColor: 'divider' }}>
        <Typography variant="subtitle2" sx={{ mr: 1, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
          {info?.name ?? ''}
        </Typography>
        <Tooltip title="Scale to fit">
          <IconButton aria-label="Scale to fit" aria-pressed={scale === 'fit'} color={scale === 'fit' ? 'primary' : 'default'} onClick={() => setScale('fit')}>
            <FitScreenIcon fontSize="small" />
          </IconButton>
        </Tooltip>
        <Tooltip title="Actual size (1:1)">
          <IconButton aria-label="Actual size" aria-pressed={scale === 'actual'} color={scale === 'actual' ? 'primary' : 'default'} onClick={() => setScale('actual')}>
            <CropFreeIcon fontSize="small" />
          </IconButton>
        </Tooltip>
        <Tooltip title={fullscreen ? 'Leave fullscreen' : 'Fullscreen'}>
          <IconButton aria-label="Fullscreen" aria-pressed={fullscreen} onClick={toggleFullscreen}>
            {fullscreen ? <FullscreenExitIcon fontSize="small" /> : <FullscreenIcon fontSize="small" />}
          </IconButton>
        </Tooltip>
        <Divider orientation="vertical" flexItem sx={{ mx: 0.5 }} />
        <Button
          aria-label="Send keys"
          aria-haspopup="menu"
          aria-expanded={keysAnchor !== null}
          startIcon={<KeyboardIcon fontSize="small" />}
          disabled={!running}
          onClick={(e) => setKeysAnchor(e.currentTarget)}
        >
          Send keys
        </Button>
        <Menu anchorEl={keysAnchor} open={keysAnchor !== null} onClose={() => setKeysAnchor(null)} slotProps={{ list: { 'aria-label': 'Send keys' } }}>
          {items.builtin.map((k) => (
            <MenuItem key={k.combo} dense onClick={() => sendKey(k.combo)}>
              {k.label}
            </MenuItem>
          ))}
          {items.custom.length > 0 && <ListSubheader>Your combinations</ListSubheader>}
          {items.custom.map((k) => (
            <MenuItem key={k.combo} dense onClick={() => sendKey(k.combo)}>
              {k.label}
            </MenuItem>
          ))}
        </Menu>
        <Tooltip title="Type the clipboard's text as key presses">
          <span>
            <IconButton aria-label="Type clipboard" disabled={state?.kind !== 'running'} onClick={() => void typeClipboard()}>
              <ContentPasteIcon fontSize="small" />
            </IconButton>
          </span>
        </Tooltip>
        <Tooltip title="Save a screenshot">
          <span>
            <IconButton aria-label="Screenshot" disabled={!running} onClick={screenshot}>
              <PhotoCameraIcon fontSize="small" />
            </IconButton>
          </span>
        </Tooltip>
        <Box sx={{ flex: 1 }} />
        <Tooltip title="Close the display (the VM keeps running)">
          <IconButton aria-label="Close display" onClick={close}>
            <CloseIcon fontSize="small" />
          </IconButton>
        </Tooltip>
      </Box>

      {error && (
        <Alert severity="error" onClose={() => setError(null)} sx={{ borderRadius: 0 }}>
          {error}
        </Alert>
      )}

      <Box sx={{ position: 'relative', flex: 1, minHeight: 0, bgcolor: '#000' }}>
        <Box
          ref={screenRef}
          data-testid="display-screen"
          data-scale={scale}
          // Reached with Tab; Enter captures the keyboard, the host key gives it back here.
          tabIndex={0}
          role="application"
          aria-label={`Screen of ${info?.name ?? 'the VM'}`}
          aria-describedby="display-keyboard-hint"
          sx={{
            position: 'absolute', inset: 0, overflow: scale === 'actual' ? 'auto' : 'hidden', '& canvas': { outline: 'none' },
            '&:focus-visible': { outline: '2px solid', outlineColor: 'primary.main', outlineOffset: -2 },
          }}
        />
        {link.kind !== 'connected' && (
          <Box sx={{ position: 'absolute', inset: 0, display: 'flex', flexDirection: 'column', alignItems: 'center', justifyContent: 'center', gap: 1, color: '#ddd', pointerEvents: 'none' }}>
            <Typography role="status">
              {link.kind === 'connecting' ? 'Connecting to the display…' : engineLink !== 'open' ? 'Connection lost — reconnecting…' : link.reason}
            </Typography>
            {link.kind === 'closed' && (
              <Button variant="outlined" sx={{ pointerEvents: 'auto' }} onClick={() => setGeneration((g) => g + 1)}>
                Reconnect
              </Button>
            )}
          </Box>
        )}
      </Box>

      <Box
        role="status"
        aria-label="Display status"
        sx={{ display: 'flex', alignItems: 'center', gap: 2, px: 1.5, py: 0.25, borderTop: 1, borderColor: 'divider', fontSize: 12, color: 'text.secondary' }}
      >
        <span data-testid="status-state">{state ? RUN_STATE_TEXT[state.kind] : '…'}</span>
        {state && isDisposable(state) && (
          <Chip size="small" color="warning" data-testid="status-disposable" label="Disposable: changes are discarded at power-off" />
        )}
        <span data-testid="status-accelerator">{info?.accelerator ? info.accelerator.toUpperCase() : '—'}</span>
        <span data-testid="status-resolution">{resolution ? `${resolution.width}×${resolution.height}` : '—'}</span>
        <span data-testid="status-clipboard">{clipboardLabel(info?.clipboard ?? 'off')}</span>
        <Box sx={{ flex: 1 }} />
        <Chip
          size="small"
          data-testid="keyboard-capture"
          icon={<KeyboardIcon fontSize="small" />}
          color={captured ? 'primary' : 'default'}
          variant={captured ? 'filled' : 'outlined'}
          id="display-keyboard-hint"
          label={captured ? `Keyboard captured — press ${hostKeyName} to release` : `Click the screen (or press Enter on it) to capture the keyboard; ${hostKeyName} releases it`}
        />
      </Box>

      <Dialog open={typePrompt !== null} onClose={() => setTypePrompt(null)} fullWidth maxWidth="sm">
        <DialogTitle>Type text into the VM</DialogTitle>
        <DialogContent>
          <TextField
            autoFocus
            multiline
            minRows={3}
            fullWidth
            label="Text to type"
            helperText="The clipboard could not be read here; paste or type the text. It is sent as key presses (US layout)."
            value={typePrompt ?? ''}
            onChange={(e) => setTypePrompt(e.target.value)}
            sx={{ mt: 1 }}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setTypePrompt(null)}>Cancel</Button>
          <Button
            variant="contained"
            disabled={!typePrompt}
            onClick={() => {
              const text = typePrompt ?? '';
              setTypePrompt(null);
              typeText(text);
            }}
          >
            Type
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
