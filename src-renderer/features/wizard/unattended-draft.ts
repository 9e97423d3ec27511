// The wizard's "Install automatically" answers (#18) as a pure draft: checked with the contract's own schema
// (src-shared/unattended/answers.ts), so the page says exactly what the engine would refuse.
import { unattendedAnswersSchema, type UnattendedAnswersInput } from '../../../src-shared/unattended/answers.js';

export interface UnattendedDraft {
  enabled: boolean;
  user: string;
  password: string;
  hostname: string;
  language: string;
  keyboard: string;
  timezone: string;
}

export const UNATTENDED_LABELS = {
  enabled: 'Install automatically',
  user: 'User name',
  password: 'Password',
  hostname: 'Host name',
  language: 'Language',
  keyboard: 'Keyboard layout',
  timezone: 'Time zone',
} as const;
export type UnattendedLabel = (typeof UNATTENDED_LABELS)[keyof typeof UNATTENDED_LABELS];
type AnswerField = Exclude<keyof UnattendedDraft, 'enabled'>;

/** The host's own time zone is the likeliest answer; the rest are the installers' usual defaults. */
export function emptyUnattended(timezone = Intl.DateTimeFormat().resolvedOptions().timeZone): UnattendedDraft {
  return { enabled: false, user: '', password: '', hostname: '', language: 'en_US', keyboard: 'us', timezone: timezone || 'UTC' };
}

/** The answers `vm.create` gets (empty optional fields left out, the host name defaulting to the user's). */
export function unattendedArgs(u: UnattendedDraft): UnattendedAnswersInput {
  const user = u.user.trim();
  return {
    user,
    password: u.password,
    hostname: u.hostname.trim() || `${user.replace(/_/g, '-').replace(/^-+|-+$/g, '')}-vm`,
    ...(u.language.trim() ? { language: u.language.trim() } : {}),
    ...(u.keyboard.trim() ? { keyboard: u.keyboard.trim() } : {}),
    ...(u.timezone.trim() ? { timezone: u.timezone.trim() } : {}),
  };
}

/** Errors keyed by field label; empty when off or valid. */
export function validateUnattended(u: UnattendedDraft | undefined): Partial<Record<UnattendedLabel, string>> {
  if (!u?.enabled) return {};
  const errors: Partial<Record<UnattendedLabel, string>> = {};
  if (u.user.trim() === '') errors[UNATTENDED_LABELS.user] = 'Give the user the installer creates';
  if (u.password === '') errors[UNATTENDED_LABELS.password] = 'Give the user a password';
  const r = unattendedAnswersSchema.safeParse(unattendedArgs(u));
  if (!r.success) {
    for (const issue of r.error.issues) {
      const field = issue.path[0] as AnswerField | undefined;
      const label = field && field in UNATTENDED_LABELS ? UNATTENDED_LABELS[field] : UNATTENDED_LABELS.enabled;
      errors[label] ??= issue.message.replace(/^[^:]+: /, '');
    }
  }
  return errors;
}
