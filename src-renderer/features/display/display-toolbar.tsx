import { useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Divider from '@mui/material/Divider';
import IconButton from '@mui/material/IconButton';
import ListSubheader from '@mui/material/ListSubheader';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import CloseIcon from '@mui/icons-material/Close';
import ContentPasteIcon from '@mui/icons-material/ContentPaste';
import AspectRatioIcon from '@mui/icons-material/AspectRatio';
import CropFreeIcon from '@mui/icons-material/CropFree';
import FitScreenIcon from '@mui/icons-material/FitScreen';
import FullscreenIcon from '@mui/icons-material/Fullscreen';
import FullscreenExitIcon from '@mui/icons-material/FullscreenExit';
import KeyboardIcon from '@mui/icons-material/Keyboard';
import PhotoCameraIcon from '@mui/icons-material/PhotoCamera';
import Slider from '@mui/material/Slider';
import VolumeOffIcon from '@mui/icons-material/VolumeOff';
import VolumeUpIcon from '@mui/icons-material/VolumeUp';
import { sendKeyItems, type DisplayMode } from './display-model.js';

export interface DisplayToolbarProps {
  name: string;
  scale: DisplayMode;
  onScale: (scale: DisplayMode) => void;
  /** The machine's display device can pass a window size to the guest (virtio); else resize falls back to scaling. */
  canResize: boolean;
  fullscreen: boolean;
  onToggleFullscreen: () => void;
  /** The user's combos from prefs, after the built-in ones in the Send keys menu. */
  customCombos: readonly string[];
  /** Running or paused: keys and screenshots reach QEMU. */
  live: boolean;
  /** Running: typed text reaches the guest. */
  canType: boolean;
  onSendKey: (combo: string) => void;
  onTypeClipboard: () => void;
  onScreenshot: () => void;
  onClose: () => void;
  /** The guest's sound over the display; absent when the VM has no sound card. */
  sound?: SoundControls;
}

export interface SoundControls {
  muted: boolean;
  /** 0..1 */
  volume: number;
  onMuted: (muted: boolean) => void;
  onVolume: (volume: number) => void;
  /** The host's own output ("PulseAudio") when QEMU plays there too, else null. */
  hostOutput: string | null;
}

function soundTip(s: SoundControls): string {
  if (!s.muted) return 'Mute the sound streamed to this page';
  return s.hostOutput ? `Sound plays on the host through ${s.hostOutput}; unmute to also hear it here` : 'Unmute the sound';
}

/** The display's toolbar: the display mode (fit, 1:1, resize guest), fullscreen, send keys, type clipboard, screenshot, sound, close. */
export function DisplayToolbar(props: DisplayToolbarProps) {
  const { scale, onScale, fullscreen, live } = props;
  const [keysAnchor, setKeysAnchor] = useState<HTMLElement | null>(null);
  const items = sendKeyItems(props.customCombos);
  const sendKey = (combo: string) => {
    setKeysAnchor(null);
    props.onSendKey(combo);
  };
  return (
    <Box role="toolbar" aria-label="Display" sx={{ display: 'flex', alignItems: 'center', gap: 0.5, px: 1, py: 0.5, borderBottom: 1, borderColor: 'divider' }}>
      <Typography variant="subtitle2" sx={{ mr: 1, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
        {props.name}
      </Typography>
      <Tooltip title="Scale to fit">
        <IconButton aria-label="Scale to fit" aria-pressed={scale === 'fit'} color={scale === 'fit' ? 'primary' : 'default'} onClick={() => onScale('fit')}>
          <FitScreenIcon fontSize="small" />
        </IconButton>
      </Tooltip>
      <Tooltip title="Actual size (1:1)">
        <IconButton aria-label="Actual size" aria-pressed={scale === 'actual'} color={scale === 'actual' ? 'primary' : 'default'} onClick={() => onScale('actual')}>
          <CropFreeIcon fontSize="small" />
        </IconButton>
      </Tooltip>
      <Tooltip title={props.canResize ? 'Resize guest to window' : 'Resize guest to window (this display device cannot: scaled instead)'}>
        <IconButton aria-label="Resize guest to window" aria-pressed={scale === 'resize'} color={scale === 'resize' ? 'primary' : 'default'} onClick={() => onScale('resize')}>
          <AspectRatioIcon fontSize="small" />
        </IconButton>
      </Tooltip>
      <Tooltip title={fullscreen ? 'Leave fullscreen' : 'Fullscreen'}>
        <IconButton aria-label="Fullscreen" aria-pressed={fullscreen} onClick={props.onToggleFullscreen}>
          {fullscreen ? <FullscreenExitIcon fontSize="small" /> : <FullscreenIcon fontSize="small" />}
        </IconButton>
      </Tooltip>
      <Divider orientation="vertical" flexItem sx={{ mx: 0.5 }} />
      <Button
        aria-label="Send keys"
        aria-haspopup="menu"
        aria-expanded={keysAnchor !== null}
        startIcon={<KeyboardIcon fontSize="small" />}
        disabled={!live}
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
          <IconButton aria-label="Type clipboard" disabled={!props.canType} onClick={props.onTypeClipboard}>
            <ContentPasteIcon fontSize="small" />
          </IconButton>
        </span>
      </Tooltip>
      <Tooltip title="Save a screenshot">
        <span>
          <IconButton aria-label="Screenshot" disabled={!live} onClick={props.onScreenshot}>
            <PhotoCameraIcon fontSize="small" />
          </IconButton>
        </span>
      </Tooltip>
      {props.sound && (
        <>
          <Divider orientation="vertical" flexItem sx={{ mx: 0.5 }} />
          <Tooltip title={soundTip(props.sound)}>
            <IconButton aria-label={props.sound.muted ? 'Unmute sound' : 'Mute sound'} aria-pressed={props.sound.muted} onClick={() => props.sound?.onMuted(!props.sound.muted)}>
              {props.sound.muted ? <VolumeOffIcon fontSize="small" /> : <VolumeUpIcon fontSize="small" />}
            </IconButton>
          </Tooltip>
          <Slider
            size="small"
            aria-label="Volume"
            min={0}
            max={100}
            value={Math.round(props.sound.volume * 100)}
            disabled={props.sound.muted}
            onChange={(_e, v) => props.sound?.onVolume((v as number) / 100)}
            sx={{ width: 80, mx: 1 }}
          />
        </>
      )}
      <Box sx={{ flex: 1 }} />
      <Tooltip title="Close the display (the VM keeps running)">
        <IconButton aria-label="Close display" onClick={props.onClose}>
          <CloseIcon fontSize="small" />
        </IconButton>
      </Tooltip>
    </Box>
  );
}
