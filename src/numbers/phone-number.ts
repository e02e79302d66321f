import { parsePhoneNumberWithError, ParseError } from 'libphonenumber-js/max';

/**
 * Swedish numbers in and out. Everything stored is E.164 (+46...); people see national
 * format (0935-141 00). Parsing and formatting are libphonenumber-js's, with the full
 * metadata so that validity follows the real Swedish numbering plan.
 */

export type ParsedNumber = { ok: true; e164: string } | { ok: false; problem: string };

const DEFAULT_COUNTRY = 'SE';

/** Parses a number as dialled or written (national, +46, 0046, with spaces or dashes). */
export function parsePhoneNumber(raw: string): ParsedNumber {
  const text = raw.trim();
  if (text === '') return { ok: false, problem: 'is empty' };
  try {
    const parsed = parsePhoneNumberWithError(text, DEFAULT_COUNTRY);
    if (!parsed.isValid()) return { ok: false, problem: `"${raw}" is not a valid phone number` };
    return { ok: true, e164: parsed.number };
  } catch (error) {
    const reason = error instanceof ParseError ? error.message.toLowerCase().replaceAll('_', ' ') : 'unreadable';
    return { ok: false, problem: `"${raw}" is not a phone number (${reason})` };
  }
}

/** Shows a stored E.164 number the way Swedes write it: national for Swedish numbers, international otherwise. */
export function formatForDisplay(e164: string): string {
  try {
    const parsed = parsePhoneNumberWithError(e164);
    return parsed.country === DEFAULT_COUNTRY || parsed.countryCallingCode === '46'
      ? parsed.formatNational()
      : parsed.formatInternational();
  } catch {
    return e164;
  }
}

/** The digits of an E.164 number as a number, so ranges of numbers can be compared and indexed. */
export function e164Digits(e164: string): number {
  return Number(e164.replace(/^\+/, ''));
}
