import { describe, expect, it } from 'vitest';
import {
  NUMBER_CLASSES,
  type NumberClass,
  SHORT_SERVICE_NUMBERS,
  areaCode,
  classifyNumber,
  regionAreaCodes,
} from '../../src/numbers/number-class.js';
import { shippedRegion } from '../support/dialling.js';

/** The region's own area codes as the switchboard derives them: from config/region.yaml's main numbers. */
const REGION = regionAreaCodes(shippedRegion.municipalities.flatMap((m) => m.mainNumbers));

/** Real Swedish (and foreign) numbers, as people and phones write them, with their class and what goes to the trunk. */
const EXAMPLES: [dialled: string, cls: NumberClass, dial: string, what: string][] = [
  ['112', 'emergency', '112', 'SOS Alarm'],
  ['90000', 'emergency', '90000', 'the old emergency number, still routed to 112'],
  ['1177', 'short-service', '1177', 'Vårdguiden'],
  ['11414', 'short-service', '11414', 'Polisen, not urgent'],
  ['113 13', 'short-service', '11313', 'information in accidents and crises'],
  ['116 000', 'short-service', '116000', 'missing children'],
  ['116 111', 'short-service', '116111', 'BRIS'],
  ['0935-141 00', 'regional', '+4693514100', 'Vännäs kommun'],
  ['0933-140 00', 'regional', '+4693314000', 'Vindeln kommun'],
  ['090-16 10 00', 'regional', '+4690161000', 'Umeå kommun'],
  ['0660-880 00', 'regional', '+4666088000', 'Örnsköldsvik kommun'],
  ['08-508 290 00', 'national-fixed', '+46850829000', 'Stockholms stad'],
  ['031-365 00 00', 'national-fixed', '+46313650000', 'Göteborgs stad'],
  ['0920-45 30 00', 'national-fixed', '+46920453000', 'Luleå kommun: Norrbotten, not the region'],
  ['070-123 45 67', 'mobile', '+46701234567', 'a mobile'],
  ['076-123 45 67', 'mobile', '+46761234567', 'a mobile'],
  ['020-66 66 66', 'toll-free', '+4620666666', 'a freephone number'],
  ['010-123 45 67', 'national-nongeographic', '+46101234567', 'a UAN (010) number'],
  ['075-123 45 67', 'national-nongeographic', '+46751234567', 'a personal number (075)'],
  ['0771-567 567', 'shared-cost', '+46771567567', 'Skatteverket'],
  ['0771-524 524', 'shared-cost', '+46771524524', 'Försäkringskassan'],
  ['0900-123 45 67', 'premium', '+469001234567', 'premium rate 0900'],
  ['0939-123 456', 'premium', '+46939123456', 'premium rate 0939'],
  ['0944-123 456', 'premium', '+46944123456', 'premium rate 0944'],
  ['+47 22 33 44 55', 'international-nordic', '+4722334455', 'Oslo'],
  ['+358 9 310 1691', 'international-nordic', '+35893101691', 'Helsinki'],
  ['+45 33 66 33 66', 'international-nordic', '+4533663366', 'Copenhagen'],
  ['+49 30 901820', 'international-europe', '+4930901820', 'Berlin'],
  ['+44 20 7946 0000', 'international-europe', '+442079460000', 'London'],
  ['+1 202 555 0123', 'international-other', '+12025550123', 'Washington'],
  ['+86 10 6552 9988', 'international-other', '+861065529988', 'Beijing'],
  ['+881 6 1234 5678', 'satellite', '+881612345678', 'Iridium'],
  ['+870 773 123 456', 'satellite', '+870773123456', 'Inmarsat'],
  ['+44 909 879 0000', 'premium', '+449098790000', 'premium rate abroad (UK 09): premium, not merely Europe'],
  ['+47 820 12 345', 'premium', '+4782012345', 'premium rate abroad (Norway 820): premium, not merely Nordic'],
];

describe('number classes', () => {
  it.each(EXAMPLES)('%s is %s (%s)', (dialled, cls, dial) => {
    expect(classifyNumber(dialled, REGION)).toEqual({ class: cls, dial });
  });

  it('has a real example of every class', () => {
    const shown = new Set([...EXAMPLES.map(([, cls]) => cls), 'invalid']);
    expect(NUMBER_CLASSES.filter((cls) => !shown.has(cls))).toEqual([]);
  });

  it('reads every form of one number alike: national, +46, 0046, with spaces and dashes', () => {
    for (const form of [
      '0900-123 45 67',
      '0900 123 45 67',
      '09001234567',
      '+46 900 123 45 67',
      '+469001234567',
      '0046 900-123 45 67',
      '0046900 1234567',
    ]) {
      expect(classifyNumber(form, REGION), form).toEqual({ class: 'premium', dial: '+469001234567' });
    }
    for (const form of ['+46 112', '0046112', '+46-112'])
      expect(classifyNumber(form, REGION), form).toEqual({ class: 'emergency', dial: '112' });
    for (const form of ['+461177', '00461177', '11 77'])
      expect(classifyNumber(form, REGION), form).toEqual({ class: 'short-service', dial: '1177' });
  });

  it('dials abroad with 00, as from a Swedish phone', () => {
    expect(classifyNumber('0047 22 33 44 55', REGION)).toEqual({ class: 'international-nordic', dial: '+4722334455' });
    expect(classifyNumber('00 49 30 901820', REGION)).toEqual({ class: 'international-europe', dial: '+4930901820' });
    expect(classifyNumber('00881612345678', REGION)).toEqual({ class: 'satellite', dial: '+881612345678' });
  });

  it('calls invalid what cannot be dialled: empty, too short, letters, a number not in any plan', () => {
    for (const dialled of ['', '123', 'abc', '0935-1', '+46 0000 000', '+999 123 456 789', '070-123 45 6789 12']) {
      expect(classifyNumber(dialled, REGION).class, JSON.stringify(dialled)).toBe('invalid');
    }
  });

  it('knows every short service number it lists as short-service, never as an extension or invalid', () => {
    for (const short of SHORT_SERVICE_NUMBERS.keys())
      expect(classifyNumber(short, REGION)).toEqual({ class: 'short-service', dial: short });
  });

  it('derives the region’s own area codes from the members’ main numbers', () => {
    expect([...REGION].sort()).toEqual(['660', '90', '930', '932', '933', '934', '935']);
    expect(areaCode('+4693514100')).toBe('935');
    expect(areaCode('+46850829000')).toBe('8');
    // Without the region's codes every fixed number is simply national.
    expect(classifyNumber('0935-141 00', new Set()).class).toBe('national-fixed');
  });
});
