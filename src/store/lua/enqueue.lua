-- Puts a new call at the end of its municipality's queue, with its priority class if any.
--
-- KEYS[1] {p}:call:{callId}
-- KEYS[2] {p}:queue:{municipalityId}
-- KEYS[3] {p}:queue-seq
-- KEYS[4] {p}:calls:active
-- KEYS[5] {p}:calls:by-time
-- KEYS[6] {p}:calls:by-municipality:{municipalityId}
-- ARGV[1] key prefix
-- ARGV[2] callId   ARGV[3] channelId   ARGV[4] municipalityId
-- ARGV[5] calledNumber   ARGV[6] caller   ARGV[7] reason
-- ARGV[8] priorityClass, or '' for none   ARGV[9] its boost in seconds (0 for none)
--
-- Returns {position, record as HGETALL}; position is 1-based, 0 when the call no longer waits.
-- Emits call.queued.
-- Safe to retry: a call id that exists already (the first attempt ran but its reply was lost)
-- returns the stored call and its current position instead of queueing it twice.
-- Errors: call_exists (the id is taken by a different call: other channel or municipality).

local prefix, call_id, channel_id, municipality_id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local priority_class, boost = ARGV[8], tonumber(ARGV[9])

local existing = redis.call('HMGET', KEYS[1], 'channelId', 'municipalityId')
if existing[1] then
  if existing[1] ~= channel_id or existing[2] ~= municipality_id then
    fail('call_exists')
  end
  return { position(prefix, municipality_id, call_id), redis.call('HGETALL', KEYS[1]) }
end

local now = now_ms()
-- The place in line is a counter, not a time: FIFO stays strict for calls in the same ms
-- and across app instances, and a requeued call gets exactly its old place back.
local place = redis.call('INCR', KEYS[3])

redis.call('HSET', KEYS[1],
  'callId', call_id,
  'channelId', channel_id,
  'municipalityId', municipality_id,
  'calledNumber', ARGV[5],
  'caller', ARGV[6],
  'reason', ARGV[7],
  'state', 'waiting',
  'enqueuedAt', now,
  'place', place,
  'attempts', 0)
if priority_class ~= '' then
  redis.call('HSET', KEYS[1], 'priorityClass', priority_class, 'priorityBoostSeconds', boost)
end
queue_add(prefix, municipality_id, call_id, place, boost)
redis.call('SADD', KEYS[4], call_id)
redis.call('ZADD', KEYS[5], now, call_id)
redis.call('ZADD', KEYS[6], now, call_id)

local at = position(prefix, municipality_id, call_id)
emit_event(prefix, 'call.queued', municipality_id, { 'callId', call_id, 'position', at, 'priorityClass', priority_class })
return { at, redis.call('HGETALL', KEYS[1]) }
