/** The settings pages, one per section of the VM document (the details pane links to them by id). */
export const SETTINGS_PAGES = [
  { id: 'general', label: 'General' },
  { id: 'system', label: 'System' },
  { id: 'storage', label: 'Storage' },
  { id: 'network', label: 'Network' },
  { id: 'display', label: 'Display' },
  { id: 'shares', label: 'Shared folders' },
  { id: 'usb', label: 'USB' },
  { id: 'advanced', label: 'Advanced' },
] as const;

export type SettingsPageId = (typeof SETTINGS_PAGES)[number]['id'];
