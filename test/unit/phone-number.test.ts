import { describe, expect, it } from 'vitest';
import { formatForDisplay, parsePhoneNumber } from '../../src/numbers/phone-number.js';

describe('parsePhoneNumber', () => {
  it.each([
    ['0935-141 00', '+4693514100'],
    ['093514100', '+4693514100'],
    ['+46 935 141 00', '+4693514100'],
    ['0046935 14100', '+4693514100'],
    ['090-16 10 00', '+4690161000'],
    ['0660-880 00', '+4666088000'],
    ['070-123 45 67', '+46701234567'],
  ])('reads %s as %s', (raw, e164) => {
    expect(parsePhoneNumber(raw)).toEqual({ ok: true, e164 });
  });

  it.each(['', '   ', 'abc', '0935-14', '12345678901234567890'])('refuses %j with a reason', (raw) => {
    const parsed = parsePhoneNumber(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem.length).toBeGreaterThan(3);
  });
});

describe('formatForDisplay', () => {
  it.each([
    ['+4693514100', '0935-141 00'],
    ['+4690161000', '090-16 10 00'],
    ['+46701234567', '070-123 45 67'],
    ['+4721234567', '+47 21 23 45 67'],
  ])('shows %s as %s', (e164, shown) => {
    expect(formatForDisplay(e164)).toBe(shown);
  });

  it('gives back what it cannot read instead of failing', () => {
    expect(formatForDisplay('anonymous')).toBe('anonymous');
  });
});
