import { DateTime } from 'luxon';
import { z } from 'zod';
import type { AbsenceInput } from '../directory/entries/entry-schema.js';
import { ABSENCE_REASONS } from '../directory/entries/entry-schema.js';

/**
 * The feature codes staff key on their phone to set their own hänvisning, as Swedish PBX users
 * know them (README "Feature codes"). One parser for both ways in: the code dialled as the number
 * (the Request-URI's user, `*21*1400%23`) and the code keyed as DTMF after dialling the service
 * number `*20`. The trailing `#` is optional: many phones take `#` as "send" and drop it.
 *
 * | code | what |
 * | --- | --- |
 * | `*21*HHMM#` | back at HH:MM (reason `other`) |
 * | `*22*N#` | away for reason N (REASON_BY_DIGIT) until cleared |
 * | `*22*N*HHMM#` | away for reason N until HH:MM |
 * | `#21#` | back: the hänvisning cleared |
 *
 * A time is today's, or tomorrow's when it has passed today (Europe/Stockholm).
 */

type AbsenceReason = (typeof ABSENCE_REASONS)[number];

/** The service number: the caller is asked for a code and keys it as DTMF. */
export const FEATURE_SERVICE_NUMBER = '*20';

/**
 * The extension a feature code is for, set by the SIP edge from the phone it authenticated
 * (always its own: no caller's header passes the edge) and read by the media node's dialplan.
 */
export const FEATURE_CODE_HEADER = 'X-Extension';

/** Reason digits of `*22*N#`: the directory's own reasons (entry-schema.ts ABSENCE_REASONS), in the order staff are told. */
export const REASON_BY_DIGIT = {
  '1': 'meeting',
  '2': 'lunch',
  '3': 'leave',
  '4': 'sick',
  '5': 'travel',
  '6': 'other',
} as const satisfies Record<string, AbsenceReason>;

const ZONE = 'Europe/Stockholm';

/** What a code asks for; `until` is a clock time, made an instant by `absenceFor` at the moment it is used. */
export type FeatureCode =
  { action: 'set'; reason: AbsenceReason; until?: { hour: number; minute: number } } | { action: 'clear' };

/** A dialled string that is a feature code (or the service number), not a number: it starts with `*` or `#`. */
export const isFeatureCodeDial = (dialled: string): boolean => /^(\*|#|%23)/.test(dialled);

/** `%23` as `#`: phones send the dial string in the Request-URI, where `#` must be escaped. */
export function unescapeDial(dialled: string): string {
  try {
    return decodeURIComponent(dialled);
  } catch {
    return dialled;
  }
}

const clock = z
  .string()
  .regex(/^\d{4}$/, 'must be four digits, HHMM')
  .transform((hhmm, ctx) => {
    const hour = Number(hhmm.slice(0, 2));
    const minute = Number(hhmm.slice(2));
    if (hour > 23) ctx.addIssue({ code: 'custom', message: `hour ${hhmm.slice(0, 2)} is not 00–23` });
    if (minute > 59) ctx.addIssue({ code: 'custom', message: `minute ${hhmm.slice(2)} is not 00–59` });
    return { hour, minute };
  });

const reasonDigit = z.enum(Object.keys(REASON_BY_DIGIT) as [keyof typeof REASON_BY_DIGIT], {
  message: `reason must be a digit 1–${Object.keys(REASON_BY_DIGIT).length}`,
});

/** The code as keyed, without its `#`: `*21*1400`, `*22*1`, `*22*1*1400`, `#21`. */
const featureCodeSchema = z
  .string()
  .max(20, 'is too long for a feature code')
  .transform((raw) => unescapeDial(raw).replace(/#$/, ''))
  .transform((code, ctx): FeatureCode => {
    if (code === '#21') return { action: 'clear' };
    const [prefix, first, second, ...rest] = code.split('*').slice(1);
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (code[0] !== '*' || rest.length > 0 || first === undefined) return fail('is not a feature code');
    if (prefix === '21' && second === undefined) {
      const until = clock.safeParse(first);
      return until.success
        ? { action: 'set', reason: 'other', until: until.data }
        : fail(until.error.issues[0]!.message);
    }
    if (prefix !== '22') return fail('is not a feature code');
    const digit = reasonDigit.safeParse(first);
    if (!digit.success) return fail(digit.error.issues[0]!.message);
    const reason = REASON_BY_DIGIT[digit.data];
    if (second === undefined) return { action: 'set', reason };
    const until = clock.safeParse(second);
    return until.success ? { action: 'set', reason, until: until.data } : fail(until.error.issues[0]!.message);
  });

/** A keyed or dialled code, or the problem with it (for the log: the caller hears "Felaktig kod"). */
export function parseFeatureCode(dialled: string): { ok: true; code: FeatureCode } | { ok: false; problem: string } {
  const parsed = featureCodeSchema.safeParse(dialled);
  return parsed.success ? { ok: true, code: parsed.data } : { ok: false, problem: parsed.error.issues[0]!.message };
}

/** The hänvisning a code sets (null: cleared), its clock time made the next such instant after `now`. */
export function absenceFor(code: FeatureCode, now: number): AbsenceInput | null {
  if (code.action === 'clear') return null;
  if (!code.until) return { reason: code.reason };
  const current = DateTime.fromMillis(now, { zone: ZONE });
  let until = current.set({ ...code.until, second: 0, millisecond: 0 });
  if (until <= current) until = until.plus({ days: 1 });
  return { reason: code.reason, until: until.toISO({ suppressMilliseconds: true })! };
}
