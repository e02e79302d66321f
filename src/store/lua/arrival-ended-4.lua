-- A call that ends at its arrival (media/arrival/), recorded with why: `closed` (its
-- municipality is closed: the caller hears the closed message), `rejected-capacity` (the media
-- node was at its limit and refused the call before answering it: media/arrival/capacity.ts),
-- `setup-failed` (a set-up step failed or timed out after the answer: the caller hears that the
-- switchboard is overloaded and is hung up), `voice-message` (a direct-dial caller pressed 1
-- after an absent person's hänvisning to leave a message: media/arrival/voice-message.ts). It never waits in a queue, so no operator is
-- offered it; counted in the municipality's calls (statistics: offered, and by outcome).
--
-- A set-up may have enqueued the call before it failed (the enqueue's reply lost or late):
-- then that call ends now with the outcome, leaving its queue (_shared.lua end_call), unless an
-- operator answered it meanwhile (then it ends answered, as any call they hung up on).
--
-- KEYS[1] {p}:call:{callId}
-- KEYS[2] {p}:calls:by-time
-- KEYS[3] {p}:calls:by-municipality:{municipalityId}
-- KEYS[4] {p}:calls:active
-- ARGV[1] key prefix
-- ARGV[2] callId   ARGV[3] channelId   ARGV[4] municipalityId
-- ARGV[5] calledNumber   ARGV[6] caller ('' when not kept: a call refused at capacity)
-- ARGV[7] reason   ARGV[8] outcome: closed, rejected-capacity, setup-failed or voice-message
-- ARGV[9], ARGV[10]... optional record fields as name, value pairs (extension, reasonDetail, mediaNode, arrivedAt)
--
-- Returns the record as HGETALL.
-- Emits call.ended (outcome).
-- Safe to retry: a call that has ended already is returned unchanged.

local prefix, call_id, municipality_id, outcome = ARGV[1], ARGV[2], ARGV[4], ARGV[8]

local call = read_hash(KEYS[1])
if call and call.state == 'ended' then
  return redis.call('HGETALL', KEYS[1])
end
if call then
  end_call(prefix, KEYS[1], KEYS[4], call_id, call, outcome, 0)
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
  'outcome', outcome,
  'enqueuedAt', now,
  'endedAt', now,
  'waitMs', 0,
  'place', 0,
  'attempts', 0)
for i = 9, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('ZADD', KEYS[2], now, call_id)
redis.call('ZADD', KEYS[3], now, call_id)
emit_event(prefix, 'call.ended', municipality_id, { 'callId', call_id, 'outcome', outcome })
return redis.call('HGETALL', KEYS[1])
