import { describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';

describe('CALL_RECORD_RETENTION_DAYS', () => {
  it('is 400 days unless set, and never less than a month (a whole month’s cost split)', () => {
    expect(readEnv({}).CALL_RECORD_RETENTION_DAYS).toBe(400);
    expect(readEnv({ CALL_RECORD_RETENTION_DAYS: '31' }).CALL_RECORD_RETENTION_DAYS).toBe(31);
    for (const refused of ['30', '400.5', 'forever']) {
      expect(() => readEnv({ CALL_RECORD_RETENTION_DAYS: refused }), refused).toThrow(/CALL_RECORD_RETENTION_DAYS/);
    }
  });
});
