-- A call that arrived while its municipality is closed (media/arrival/): recorded at once as
-- ended with outcome closed. It never waits in a queue, so no operator is offered it; the
-- caller then hears the closed message and is hung up. Counted in the municipality's calls.
--
-- KEYS[1] {p}:call:{callId}
-- KEYS[2] {p}:calls:by-time
-- KEYS[3] {p}:calls:by-municipality:{municipalityId}
-- ARGV[1] key prefix
-- ARGV[2] callId   ARGV[3] channelId   ARGV[4] municipalityId
-- ARGV[5] calledNumber   ARGV[6] caller   ARGV[7] reason
-- ARGV[8], ARGV[9]... optional record fields as name, value pairs (extension, reasonDetail)
--
-- Returns the record as HGETALL.
-- Safe to retry: a call id that exists already is returned unchanged.

local prefix, call_id, municipality_id = ARGV[1], ARGV[2], ARGV[4]

if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HGETALL', KEYS[1])
end

local now = now_ms()
redis.call('HSET', KEYS[1],
  'callId', call_id,
  'channelId', ARGV[3],
  'municipalityId', municipality_id,
  'calledNumber', ARGV[5],
  'caller', ARGV[6],
  'reason', ARGV[7],
  'state', 'ended',
  'outcome', 'closed',
  'enqueuedAt', now,
  'endedAt', now,
  'waitMs', 0,
  'place', 0,
  'attempts', 0)
for i = 8, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('ZADD', KEYS[2], now, call_id)
redis.call('ZADD', KEYS[3], now, call_id)
emit_event(prefix, 'call.ended', municipality_id, { 'callId', call_id, 'outcome', 'closed' })
return redis.call('HGETALL', KEYS[1])
