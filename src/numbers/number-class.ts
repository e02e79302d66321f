import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * What kind of number a dialled number is, for the question "may this call leave the region,
 * and at whose cost?" (dialling/dial-policy.ts). The type comes from libphonenumber-js's full
 * metadata; what it cannot know comes from Swedish prefixes: the short numbers (not in its
 * plan), the region's own area codes, and international numbers by zone.
 */
export const NUMBER_CLASSES = [
  /** 112 (and the old 90000): always dialled, whatever else fails. */
  'emergency',
  /** National short service numbers: 1177, 11414, 113 13, 116 000, … */
  'short-service',
  /** A fixed number in one of the region's own area codes. */
  'regional',
  /** Any other Swedish fixed (geographic) number. */
  'national-fixed',
  /** Swedish mobile (07x). */
  'mobile',
  /** Freephone (020): free for the caller. */
  'toll-free',
  /** Swedish non-geographic numbers charged like a national call: 010 (UAN), 075 (personal), 074 (pager), VoIP. */
  'national-nongeographic',
  /** 077x: shared-cost numbers, which many Swedish agencies use (Skatteverket 0771-567 567). */
  'shared-cost',
  /**
   * Premium rate: 0900, 0939, 0944, and premium-rate numbers abroad (libphonenumber's type), so
   * that allowing a zone never allows its premium numbers. The fraudster's favourite.
   */
  'premium',
  /** Denmark, Norway, Finland, Iceland, the Faroes, Greenland, Åland. */
  'international-nordic',
  /** The rest of the EU/EEA, the United Kingdom and Switzerland. */
  'international-europe',
  /** Every other country. */
  'international-other',
  /** Satellite and international networks (+870, +881, +882, +883): minutes cost tens of kronor. */
  'satellite',
  /** Not a number that can be dialled. */
  'invalid',
] as const;
export type NumberClass = (typeof NUMBER_CLASSES)[number];

/** Numbers for which nothing may stand in the way: the emergency service. */
const EMERGENCY = new Set(['112', '90000']);

/**
 * Swedish national short numbers a municipal employee may need, as dialled (PTS's plan for
 * 11x and the harmonised European 116 numbers). Never extensions: extension ranges are the
 * kommunkod followed by digits, which these are not.
 */
export const SHORT_SERVICE_NUMBERS: ReadonlyMap<string, string> = new Map([
  ['1177', 'Vårdguiden'],
  ['11414', 'Polisen (ej akut)'],
  ['11313', 'Information vid olyckor och kriser'],
  ['11404', 'Sjöfartsverket'],
  ['116000', 'Saknade barn'],
  ['116006', 'Brottsofferjouren'],
  ['116111', 'BRIS'],
  ['116117', 'Jourläkare'],
  ['116123', 'Stödlinje'],
]);

/** Country calling codes of the Nordic countries (Åland shares Finland's). */
const NORDIC = new Set(['45', '47', '358', '354', '298', '299']);
/** EU/EEA members other than Sweden and the Nordics, the UK and Switzerland. */
const EUROPE = new Set([
  '30',
  '31',
  '32',
  '33',
  '34',
  '36',
  '39',
  '40',
  '41',
  '43',
  '44',
  '48',
  '49',
  '350',
  '351',
  '352',
  '353',
  '356',
  '357',
  '359',
  '370',
  '371',
  '372',
  '385',
  '386',
  '420',
  '421',
  '423',
]);
const SATELLITE = new Set(['870', '881', '882', '883']);

export interface ClassifiedNumber {
  class: NumberClass;
  /** What goes into the Request-URI towards the trunk: E.164, or the short number as dialled. */
  dial: string;
}

/** Digits as a phone sends them, with the forms of Sweden's country code taken off for short numbers. */
function shortForm(dialled: string): string {
  const digits = dialled.replace(/[\s-]/g, '');
  return digits.replace(/^(?:\+46|0046)(?=1\d{2,5}$|112$|90000$)/, '');
}

/**
 * The class of a dialled or stored number (national "0900-123 456", "+46…", "00…", a short
 * number), with what to dial. `regionalAreaCodes` are the region's own area codes in national
 * form without the 0 ("935", "90"), regionAreaCodes() derives them from the config.
 */
export function classifyNumber(dialled: string, regionalAreaCodes: ReadonlySet<string>): ClassifiedNumber {
  const short = shortForm(dialled);
  if (EMERGENCY.has(short)) return { class: 'emergency', dial: short };
  if (SHORT_SERVICE_NUMBERS.has(short)) return { class: 'short-service', dial: short };
  const parsed = parsePhoneNumberFromString(dialled, 'SE');
  if (!parsed?.isValid()) return { class: 'invalid', dial: dialled };
  const dial = parsed.number;
  const code = parsed.countryCallingCode;
  if (SATELLITE.has(code)) return { class: 'satellite', dial };
  if (code !== '46') {
    // International revenue share fraud dials premium numbers abroad: allowing Norway must not allow Norway's 820 numbers.
    if (parsed.getType() === 'PREMIUM_RATE') return { class: 'premium', dial };
    if (NORDIC.has(code)) return { class: 'international-nordic', dial };
    return { class: EUROPE.has(code) ? 'international-europe' : 'international-other', dial };
  }
  switch (parsed.getType()) {
    case 'MOBILE':
      return { class: 'mobile', dial };
    case 'TOLL_FREE':
      return { class: 'toll-free', dial };
    case 'PREMIUM_RATE':
      return { class: 'premium', dial };
    case 'SHARED_COST':
      return { class: 'shared-cost', dial };
    case 'FIXED_LINE':
    case 'FIXED_LINE_OR_MOBILE':
      return { class: regionalAreaCodes.has(areaCode(dial)) ? 'regional' : 'national-fixed', dial };
    default:
      return { class: 'national-nongeographic', dial };
  }
}

/** The area code of a Swedish fixed number without its 0 ("+4693514100" → "935"), as the national format writes it. */
export function areaCode(e164: string): string {
  const national = parsePhoneNumberFromString(e164)?.formatNational() ?? '';
  return national.split('-')[0]!.replace(/^0/, '');
}

/** The region's own area codes, from its members' main numbers (config/region.yaml). */
export function regionAreaCodes(mainNumbers: readonly string[]): ReadonlySet<string> {
  return new Set(mainNumbers.map(areaCode).filter((code) => code !== ''));
}
