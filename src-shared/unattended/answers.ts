import { z } from 'zod';
import { UNATTENDED_METHODS } from '../os-downloads/types.js';

/**
 * What the user answers once instead of the installer's questions ("Install automatically" page,
 * `hangar create --unattended`). Every value is checked here, at the boundary, with the format rules of
 * the strictest installer, so a value that passes is safe to place in any of the four answer files; the
 * password is the only free text, and it is hashed (preseed, kickstart, autoinstall) or escaped (Windows).
 */
export const UNATTENDED_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** One RFC 1123 label: what every installer accepts as a host name. */
export const UNATTENDED_HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
export const UNATTENDED_LANGUAGE = /^[a-z]{2,3}_[A-Z]{2}$/;
export const UNATTENDED_KEYBOARD = /^[a-z]{2,3}(-[a-z0-9]{1,16})?$/;
export const UNATTENDED_TIMEZONE = /^(UTC|[A-Z][A-Za-z_-]{1,30}(\/[A-Za-z0-9_+-]{1,30}){1,2})$/;

export const unattendedAnswersSchema = z.strictObject({
  /** Which installer family to answer; detected from the ISO when absent. */
  method: z.enum(UNATTENDED_METHODS).optional(),
  user: z.string().regex(UNATTENDED_USER, 'user name: 1-32 lower-case letters, digits, "-" or "_", starting with a letter or "_"'),
  fullName: z
    .string()
    .max(100, 'full name: at most 100 characters')
    .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'full name: no line breaks or control characters')
    .optional(),
  password: z
    .string()
    .min(1, 'password: must not be empty')
    .max(256, 'password: at most 256 characters')
    .regex(/^[^\0]*$/, 'password: no NUL characters'),
  hostname: z.string().regex(UNATTENDED_HOSTNAME, 'host name: 1-63 letters, digits or "-", not starting or ending with "-"'),
  language: z.string().regex(UNATTENDED_LANGUAGE, 'language: a locale like en_US').optional(),
  keyboard: z.string().regex(UNATTENDED_KEYBOARD, 'keyboard: an XKB layout like us, de or gb (optionally with a variant: de-nodeadkeys)').optional(),
  timezone: z.string().regex(UNATTENDED_TIMEZONE, 'time zone: UTC or an IANA name like Europe/Berlin').optional(),
});

export type UnattendedAnswersInput = z.input<typeof unattendedAnswersSchema>;
/** Checked answers with the defaults filled in (en_US, us, UTC): what the answer-file templates get. */
export type UnattendedAnswers = z.output<typeof unattendedAnswersSchema> & { language: string; keyboard: string; timezone: string };

export function withAnswerDefaults(a: z.output<typeof unattendedAnswersSchema>): UnattendedAnswers {
  return { ...a, language: a.language ?? 'en_US', keyboard: a.keyboard ?? 'us', timezone: a.timezone ?? 'UTC' };
}
