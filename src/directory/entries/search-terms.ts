import { AsYouType } from 'libphonenumber-js/max';

const DEFAULT_COUNTRY = 'SE';

/**
 * How text becomes search terms, the same way for what is indexed and for what an operator
 * types, so that the two meet: lower case, without diacritics, split into words; numbers as
 * their national digits.
 */

/** Longer queries are cut here (an API can refuse them at this length): operators type names and numbers, never paragraphs. */
export const MAX_QUERY_LENGTH = 100;
/** Terms of a query beyond this are ignored; each costs a lookup and all must match. */
const MAX_TERMS = 6;

export interface QueryTerm {
  /** Folded word, or national digits. */
  text: string;
  /** Digits are looked up among numbers and extensions, words among names and the rest. */
  kind: 'word' | 'digits';
}

/** "Örnsköldsvik" → "ornskoldsvik": å, ä, ö, é... match their plain letters, as operators often type them. */
function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** The folded words of a text, split at anything not a letter or digit ("Anna-Karin" → anna, karin). */
export function words(text: string): string[] {
  return fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

/** A stored E.164 number as the index holds it: Swedish ones in national form (093514123), others as international digits. */
export function indexedDigits(e164: string): string {
  return e164.startsWith('+46') ? `0${e164.slice(3)}` : e164.slice(1);
}

/**
 * What a number-like query stands for among the index's digits. A number, whole or begun
 * ("0935-14", "+46 (0)935 14", "0046 935..."), is read by libphonenumber's as-you-type parser,
 * which knows how numbers are written; digits not starting with 0 or + are an extension, as typed.
 */
function queryDigits(text: string): string {
  const compact = text.replace(/[^\d+]/g, '');
  if (!compact.startsWith('+') && !compact.startsWith('0')) return compact.replace(/\D/g, '');
  const typed = new AsYouType(DEFAULT_COUNTRY);
  typed.input(text);
  const number = typed.getNumberValue();
  return number ? indexedDigits(number) : '';
}

/** Only digits and what people put between them: the whole query is one number. */
const NUMBER_LIKE = /^\+?[\d\s\-–()./]+$/;

/**
 * The terms of what an operator typed. Never throws: anything odd (not a string, only
 * punctuation, thousands of characters) gives fewer terms or none.
 */
export function parseQuery(query: unknown): QueryTerm[] {
  if (typeof query !== 'string') return [];
  const text = query.trim().slice(0, MAX_QUERY_LENGTH);
  if (NUMBER_LIKE.test(text)) {
    const digits = queryDigits(text);
    return digits === '' ? [] : [{ text: digits, kind: 'digits' }];
  }
  return words(text)
    .slice(0, MAX_TERMS)
    .map((word) => ({ text: word, kind: /^\d+$/.test(word) ? 'digits' : 'word' }));
}
