import { describe, expect, it } from 'vitest';
import {
  ALWAYS_ALLOWED,
  CALLER_KINDS,
  CHOOSABLE_CLASSES,
  type ChoosableClass,
  DEFAULT_ALLOWED,
  DEFAULT_DIAL_POLICY,
  type DialPolicy,
  type DialRefusal,
  decideDial,
  diallingDenied,
  refusalProblem,
} from '../../src/dialling/dial-policy.js';
import { regionAreaCodes } from '../../src/numbers/number-class.js';

// Main numbers as the config stores them (E.164): Vännäs and Umeå.
const REGION = regionAreaCodes(['+4693514100', '+4690161000']);

/** One number of each choosable class. */
const SAMPLE: Record<ChoosableClass, string> = {
  regional: '0935-141 00',
  'national-fixed': '08-508 290 00',
  mobile: '070-123 45 67',
  'toll-free': '020-66 66 66',
  'national-nongeographic': '010-123 45 67',
  'shared-cost': '0771-567 567',
  premium: '0900-123 45 67',
  'international-nordic': '+47 22 33 44 55',
  'international-europe': '+49 30 901820',
  'international-other': '+1 202 555 0123',
  satellite: '+881 6 1234 5678',
};

const policy = (allow: Partial<DialPolicy['allow']>): DialPolicy => ({
  ...DEFAULT_DIAL_POLICY,
  allow: { ...DEFAULT_DIAL_POLICY.allow, ...allow },
});

describe('the default dial policy', () => {
  it('lets every kind of caller dial what a municipality calls every day, and nothing that costs more', () => {
    for (const kind of CALLER_KINDS) {
      for (const cls of CHOOSABLE_CLASSES) {
        const decision = decideDial(DEFAULT_DIAL_POLICY, kind, SAMPLE[cls], REGION);
        expect(decision.class, SAMPLE[cls]).toBe(cls);
        expect(decision.allowed, `${kind} → ${cls}`).toBe(
          ['regional', 'national-fixed', 'mobile', 'toll-free', 'national-nongeographic', 'shared-cost'].includes(cls),
        );
      }
    }
  });

  it('allows shared-cost (077x): the agencies citizens are referred to use it', () => {
    expect(DEFAULT_ALLOWED).toContain('shared-cost');
    expect(decideDial(DEFAULT_DIAL_POLICY, 'transfer', '0771-567 567', REGION)).toMatchObject({
      allowed: true,
      class: 'shared-cost',
    });
  });

  it('caps each extension at 200 external calls and 600 minutes a day', () => {
    expect(DEFAULT_DIAL_POLICY.extensionDailyCap).toEqual({ calls: 200, minutes: 600 });
  });
});

describe('decisions', () => {
  it('always allows emergency and national short numbers, even under a policy that allows nothing', () => {
    const nothing = policy({ extension: [], transfer: [], callback: [], forwarded: [] });
    expect([...ALWAYS_ALLOWED].sort()).toEqual(['emergency', 'short-service']);
    for (const kind of CALLER_KINDS) {
      for (const number of ['112', '90000', '1177', '11414', '113 13', '116 000'])
        expect(decideDial(nothing, kind, number, REGION), `${kind} ${number}`).toMatchObject({ allowed: true });
      expect(decideDial(nothing, kind, '070-123 45 67', REGION)).toMatchObject({ allowed: false, class: 'mobile' });
    }
  });

  it('never allows an invalid number, whatever is allowed', () => {
    const everything = policy(Object.fromEntries(CALLER_KINDS.map((kind) => [kind, CHOOSABLE_CLASSES])));
    for (const kind of CALLER_KINDS) {
      expect(decideDial(everything, kind, '0935-1', REGION)).toEqual({
        allowed: false,
        reason: 'is not a number that can be dialled',
        class: 'invalid',
        dial: '0935-1',
      });
      expect(decideDial(everything, kind, SAMPLE.satellite, REGION)).toMatchObject({
        allowed: true,
        class: 'satellite',
      });
    }
  });

  it('decides per kind of caller: premium allowed for transfers only', () => {
    const premiumTransfers = policy({ transfer: [...DEFAULT_ALLOWED, 'premium'] });
    expect(decideDial(premiumTransfers, 'transfer', SAMPLE.premium, REGION)).toEqual({
      allowed: true,
      class: 'premium',
      dial: '+469001234567',
    });
    for (const kind of ['extension', 'callback', 'forwarded'] as const) {
      expect(decideDial(premiumTransfers, kind, SAMPLE.premium, REGION)).toEqual({
        allowed: false,
        reason: `is a premium number, not allowed for ${kind} calls`,
        class: 'premium',
        dial: '+469001234567',
      });
    }
  });

  it('allowing a zone abroad allows that zone only, and never its premium-rate numbers', () => {
    const nordic = policy({ forwarded: ['international-nordic'] });
    expect(decideDial(nordic, 'forwarded', '+47 22 33 44 55', REGION)).toMatchObject({ allowed: true });
    expect(decideDial(nordic, 'forwarded', '+47 820 12 345', REGION)).toMatchObject({
      allowed: false,
      class: 'premium',
    });
    expect(decideDial(nordic, 'forwarded', SAMPLE['international-europe'], REGION)).toMatchObject({
      allowed: false,
      class: 'international-europe',
    });
    // Nor does it allow what the same kind used to allow: the list is the whole of it.
    expect(decideDial(nordic, 'forwarded', SAMPLE.mobile, REGION)).toMatchObject({ allowed: false, class: 'mobile' });
  });

  it('names the class, the kind and whose policy in a refusal', () => {
    const refused = decideDial(DEFAULT_DIAL_POLICY, 'callback', SAMPLE['international-other'], REGION) as DialRefusal;
    expect(refusalProblem(refused, 'Vännäs')).toBe(
      'is an international-other number, not allowed for callback calls by the dial policy of Vännäs',
    );
    const error = diallingDenied(refused, 'callback', 'Vännäs', { status: 403, field: 'body.number' });
    expect(error).toMatchObject({
      status: 403,
      code: 'dialling_denied',
      message: 'international-other numbers may not be dialled for callback calls (dial policy of Vännäs)',
      details: [
        {
          field: 'body.number',
          problem: 'is an international-other number, not allowed for callback calls by the dial policy of Vännäs',
          class: 'international-other',
        },
      ],
    });
  });
});
