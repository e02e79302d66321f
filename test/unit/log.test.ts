import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PERSONAL_PLACEHOLDER, createLogger } from '../../src/log.js';

/** A logger at `level` and the lines it wrote, parsed. */
function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

describe('logs and personal data', () => {
  it('keeps a caller’s number out of info and warn lines, with the call id', () => {
    const { logger, lines } = capture('debug');
    logger.info(
      { callId: 'c1', caller: '+46701234567', number: '+46900123456', operatorId: 'op' },
      'call-back: dialling the citizen',
    );
    logger.warn({ callId: 'c1', dialled: '0900123456' }, 'refused');
    expect(lines[0]).toMatchObject({
      callId: 'c1',
      operatorId: 'op',
      caller: PERSONAL_PLACEHOLDER,
      number: PERSONAL_PLACEHOLDER,
    });
    expect(lines[1]).toMatchObject({ callId: 'c1', dialled: PERSONAL_PLACEHOLDER });
    expect(JSON.stringify(lines)).not.toMatch(/46701234567|0900123456|46900123456/);
  });

  it('shows the number at debug level', () => {
    const { logger, lines } = capture('debug');
    logger.debug({ callId: 'c2', caller: '+46701234567' }, 'caller arrived');
    expect(lines[0]).toMatchObject({ callId: 'c2', caller: '+46701234567' });
  });

  it('still redacts secrets', () => {
    const { logger, lines } = capture('info');
    logger.info({ token: 'rv_secret', headers: { authorization: 'Bearer x' } }, 'request');
    expect(JSON.stringify(lines[0])).not.toMatch(/rv_secret|Bearer x/);
  });
});
