import { z } from '../validation/schema.js';

/** Each part of a Redis stream id is an unsigned 64-bit number. */
const PART_MAX = 2n ** 64n - 1n;

/** Why `id` cannot be a Redis stream id (nor 0-0, when `entry`), or undefined when it can. */
function streamIdProblem(id: string, entry: boolean): string | undefined {
  const parts = /^(\d{1,20})-(\d{1,20})$/.exec(id);
  if (!parts) return 'must be an id as the API gave it, like "1764230400000-0" (milliseconds-sequence)';
  const [ms, seq] = [BigInt(parts[1]!), BigInt(parts[2]!)];
  if (ms > PART_MAX || seq > PART_MAX) return `is out of range: each part is at most ${PART_MAX}`;
  if (entry && ms === 0n && seq === 0n) return 'cannot be 0-0: no entry has that id';
  return undefined;
}

/**
 * Cursors into a Redis stream (the audit log's, the events'), checked as Redis would: anything
 * it would refuse is a 400 naming the parameter, never a Redis error (500). One check in one
 * place (a plain regex let 2^64 through, and 0-0 where it is refused).
 */
const streamIdSchema = (entry: boolean) =>
  z.string().superRefine((id, ctx) => {
    const problem = streamIdProblem(id, entry);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * A position in a stream, read after it (an exclusive start). 0-0 is its start, before every
 * entry: the event socket says it (as `live` or `reset` seq) of a stream that is empty or gone.
 */
export const StreamPositionSchema = streamIdSchema(false).openapi({
  example: '1764230400000-0',
  description: 'A stream position: <milliseconds>-<sequence>',
});

/**
 * The id of an entry, read before it (an exclusive end): never 0-0, which no entry has and Redis
 * refuses as an exclusive end ("(0-0": ERR invalid end ID).
 */
export const StreamIdSchema = streamIdSchema(true).openapi({
  example: '1764230400000-0',
  description: 'The id of a stream entry: <milliseconds>-<sequence>',
});
