import { createTheme, type Theme } from '@mui/material/styles';

export type ThemeMode = 'light' | 'dark';

/** Hangar's two themes; the root picks one from the pref, or from the OS when the pref is 'system'. */
export function hangarTheme(mode: ThemeMode): Theme {
  return createTheme({
    palette: {
      mode,
      primary: { main: mode === 'dark' ? '#7cb3ff' : '#1f5fbf' },
      success: { main: mode === 'dark' ? '#66d17a' : '#2e7d32' },
    },
    shape: { borderRadius: 6 },
    typography: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', fontSize: 13 },
    components: {
      MuiButton: { defaultProps: { size: 'small' } },
      MuiTextField: { defaultProps: { size: 'small' } },
      MuiTooltip: { defaultProps: { arrow: true } },
    },
  });
}

export function resolveThemeMode(pref: 'system' | 'light' | 'dark', osPrefersDark: boolean): ThemeMode {
  if (pref === 'system') return osPrefersDark ? 'dark' : 'light';
  return pref;
}
