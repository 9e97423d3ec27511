import type { InstallPhase } from '../../../src-shared/contract/index.js';

// Its own module: the library list (first paint) needs only this, not the install notices and media section.

/** The list's badge text for a VM in the install flow (empty when none shows). */
export function installBadge(install: InstallPhase | undefined): string {
  return install === 'installing' ? 'Installing…' : '';
}
