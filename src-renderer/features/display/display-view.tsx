import { useCallback, useEffect, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import type { HangarApi } from '../../bridge/hangar-api.js';
import { useApi } from '../../state/api-context.js';
import { base64ToBytes, canFollowWindow, displayModeFor, resizeNotice, screenshotFileName, type DisplayMode } from './display-model.js';
import { DisplayStatusBar, KEYBOARD_HINT_ID } from './display-status-bar.js';
import { DisplayToolbar } from './display-toolbar.js';
import { TypeTextDialog } from './type-text-dialog.js';
import { saveDisplayMode, useDisplayPrefs, useDisplayVm, useEngineLink } from './use-display-vm.js';
import { useResizeFollow } from './use-resize-follow.js';
import { useRfb } from './use-rfb.js';
import { useDisplayAudio } from './use-display-audio.js';
import { sendFileToGuest } from './file-drop.js';

export interface DisplayViewProps {
  vmId: string;
  /** Defaults to the ApiContext (src-renderer/state/api-context.tsx). */
  api?: HangarApi;
  /** "Close display": the host removes the view (the VM keeps running). */
  onClose?: () => void;
}

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
 * `/display` WebSocket in the browser host; `use-rfb.ts`), a toolbar (display mode, fullscreen, send keys, type clipboard,
 * screenshot, close) and a status bar (run state, accelerator, resolution, clipboard policy, keyboard capture).
 */
export function DisplayView({ vmId, api: apiProp, onClose }: DisplayViewProps) {
  const contextApi = useOptionalApi();
  const api = apiProp ?? contextApi;
  if (!api) throw new Error('DisplayView needs an api prop or an <ApiProvider> above it');

  const rootRef = useRef<HTMLDivElement>(null);
  const screenRef = useRef<HTMLDivElement>(null);
  /** The mode picked in this view; until then the machine's remembered one (or its default). */
  const [chosenMode, setChosenMode] = useState<DisplayMode | null>(null);
  const [fullscreen, setFullscreen] = useState(false);
  const [typePrompt, setTypePrompt] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dropNote, setDropNote] = useState<string | null>(null);
  const { engineLink, epoch } = useEngineLink(api);
  const { info, state } = useDisplayVm(api, vmId, epoch, setError);
  const prefs = useDisplayPrefs(api);
  const { hostKey, customCombos } = prefs;
  const clipboard = info?.clipboard ?? 'off';
  const device = info?.displayDevice ?? 'std';
  // Scaled to fit until the machine and its remembered mode are known (no resize request on a guess).
  const scale: DisplayMode = chosenMode ?? (info && prefs.loaded ? displayModeFor(prefs.displayModes, info.id, device) : 'fit');
  // A device QEMU cannot pass sizes to gets no SetDesktopSize at all: scaled, and the status bar says why.
  const rfbMode: DisplayMode = scale === 'resize' && !canFollowWindow(device) ? 'fit' : scale;
  const hasSound = info?.sound ?? false;
  const sound = useDisplayAudio(api, hasSound);
  const rfb = useRfb(api, vmId, {
    screenRef, scale: rfbMode, clipboard, clipboardKnown: info !== null, hostKey, stateKind: state?.kind, engineEpoch: epoch,
    audioSink: sound.sink, audio: hasSound && !sound.muted,
  });
  const { link } = rfb;
  const follow = useResizeFollow(screenRef, scale, link.kind === 'connected' ? rfb.resolution : null);
  const notice = info ? resizeNotice({ mode: scale, device, resolution: link.kind === 'connected' ? rfb.resolution : null, ...follow }) : null;

  const chooseMode = (mode: DisplayMode) => {
    setChosenMode(mode);
    if (info) saveDisplayMode(api, info.id, mode).catch(() => undefined); // not remembered: still applied here
  };

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
    api.call('vm.sendKey', { vm: vmId, combo }).then(rfb.focus, fail('Could not send the keys'));
  };

  const typeText = (text: string) => {
    if (text === '') return;
    api.call('vm.typeText', { vm: vmId, text }).then(rfb.focus, fail('Could not type the text'));
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
    rfb.disconnect();
    onClose?.();
  };

  const live = state?.kind === 'running' || state?.kind === 'paused';

  return (
    <Box
      ref={rootRef}
      role="region"
      aria-label={`Display of ${info?.name ?? 'the VM'}`}
      sx={{ display: 'flex', flexDirection: 'column', height: '100%', minHeight: 0, bgcolor: 'background.default', color: 'text.primary' }}
    >
      <DisplayToolbar
        name={info?.name ?? ''}
        scale={scale}
        onScale={chooseMode}
        canResize={canFollowWindow(device)}
        fullscreen={fullscreen}
        onToggleFullscreen={toggleFullscreen}
        customCombos={customCombos}
        live={live}
        canType={state?.kind === 'running'}
        onSendKey={sendKey}
        onTypeClipboard={() => void typeClipboard()}
        onScreenshot={screenshot}
        onClose={close}
        {...(hasSound ? { sound: { muted: sound.muted, volume: sound.volume, onMuted: sound.setMuted, onVolume: sound.setVolume, hostOutput: sound.hostOutput } } : {})}
      />

      {dropNote && (
        <Alert severity="info" role="status" onClose={() => setDropNote(null)} sx={{ borderRadius: 0 }}>
          {dropNote}
        </Alert>
      )}
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
          aria-describedby={KEYBOARD_HINT_ID}
          // Files dropped on the screen are copied into the guest by its guest agent (one after another).
          onDragOver={(e) => {
            if (e.dataTransfer.types.includes('Files')) e.preventDefault();
          }}
          onDrop={(e) => {
            if (e.dataTransfer.files.length === 0) return;
            e.preventDefault();
            const files = [...e.dataTransfer.files];
            void (async () => {
              for (const f of files) {
                setDropNote(`Copying ${f.name} into the guest…`);
                try {
                  setDropNote(`Copied ${f.name} to ${await sendFileToGuest(api, vmId, f)} in the guest`);
                } catch (err) {
                  setDropNote(null);
                  setError(`Could not copy ${f.name} into the guest: ${(err as Error).message}`);
                }
              }
            })();
          }}
          sx={{
            position: 'absolute', inset: 0, overflow: rfbMode === 'actual' ? 'auto' : 'hidden', '& canvas': { outline: 'none' },
            '&:focus-visible': { outline: '2px solid', outlineColor: 'primary.main', outlineOffset: -2 },
          }}
        />
        {link.kind !== 'connected' && (
          <Box sx={{ position: 'absolute', inset: 0, display: 'flex', flexDirection: 'column', alignItems: 'center', justifyContent: 'center', gap: 1, color: '#ddd', pointerEvents: 'none' }}>
            <Typography role="status">
              {link.kind === 'connecting' ? 'Connecting to the display…' : engineLink !== 'open' ? 'Connection lost — reconnecting…' : link.reason}
            </Typography>
            {link.kind === 'closed' && (
              <Button variant="outlined" sx={{ pointerEvents: 'auto' }} onClick={rfb.reconnect}>
                Reconnect
              </Button>
            )}
          </Box>
        )}
      </Box>

      <DisplayStatusBar state={state} accelerator={info?.accelerator ?? null} resolution={rfb.resolution} clipboard={clipboard} captured={rfb.captured} hostKey={hostKey} resizeNotice={notice} />

      <TypeTextDialog
        text={typePrompt}
        onChange={setTypePrompt}
        onCancel={() => setTypePrompt(null)}
        onType={(text) => {
          setTypePrompt(null);
          typeText(text);
        }}
      />
    </Box>
  );
}
