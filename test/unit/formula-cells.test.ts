import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asText, fromText } from '../../src/import/formula-cells.js';

const FORMULA_START = /^[=+\-@\t\r]/;

describe('cells a spreadsheet would run as formulas', () => {
  it('are written with a quote in front, and read back as they were', () => {
    expect(asText('=HYPERLINK("http://evil.example","x")')).toBe('\'=HYPERLINK("http://evil.example","x")');
    expect(asText('+4690123456')).toBe("'+4690123456");
    expect(asText('\tx')).toBe("'\tx");
    expect(asText('Anna Berg')).toBe('Anna Berg');
    expect(asText("'=x")).toBe("''=x");
    expect(asText("'quoted")).toBe("'quoted");
    expect(fromText("'=SUM(1)")).toBe('=SUM(1)');
    expect(fromText("'quoted")).toBe("'quoted");
  });

  it('round-trip any text, and never leave a cell that starts a formula', () => {
    const text = fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', "'", 'a', '1', ' ', 'å') });
    fc.assert(
      fc.property(fc.oneof(text, fc.string()), (value) => {
        expect(fromText(asText(value))).toBe(value);
        expect(asText(value)).not.toMatch(FORMULA_START);
      }),
      { numRuns: 2000 },
    );
  });
});
