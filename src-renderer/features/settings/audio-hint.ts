import type { HostSummary } from '../../../src-shared/contract/commands.js';

/** The Display page's line under "Audio": where the host plays a VM's sound, or what is missing and how to get it. */
export function audioHint(audio: HostSummary['audio'] | undefined): string | undefined {
  if (!audio) return undefined;
  if (audio.backend !== 'none') return `Plays on this computer through ${audio.label}; the display can stream it too (muted at first).`;
  const install = audio.install ? ` Install: ${audio.install}.` : '';
  return `No sound on this computer: ${audio.missing ?? 'no host output'}.${install} The display streams the sound to its page.`;
}
