-- The call ended. From waiting or connecting it was abandoned (it leaves its queue; an
-- operator whose phone was ringing becomes available), waitMs up to now. From answered it was
-- answered, talkMs since answeredAt; the operator becomes available. Sets state ended, endedAt
-- and outcome, and removes the call from the active set.
--
-- KEYS[1] {p}:call:{callId}
-- KEYS[2] {p}:calls:active
-- ARGV[1] key prefix
-- ARGV[2] callId
-- ARGV[3] operatorChannelId, or '': when given, the operator hung up, which ends the call
--         only if it was answered on that leg (a late hang-up of an earlier offer's leg
--         must not end a call that is back in the queue or offered to someone else)
--
-- Returns the call record as HGETALL; nil when there is no such call (it was never queued,
-- e.g. rejected before) or it was not answered on the operator leg given.
-- Safe to retry: an ended call is returned unchanged.

local prefix, call_id, operator_channel_id = ARGV[1], ARGV[2], ARGV[3]

local call = read_hash(KEYS[1])
if not call then
  return nil
end
if call.state == 'ended' then
  return redis.call('HGETALL', KEYS[1])
end
if operator_channel_id ~= '' and (call.operatorChannelId ~= operator_channel_id or call.state ~= 'answered') then
  return nil
end

local now = now_ms()
if call.state == 'answered' then
  redis.call('HSET', KEYS[1], 'outcome', 'answered', 'talkMs', now - tonumber(call.answeredAt))
else
  redis.call('ZREM', queue_key(prefix, call.municipalityId), call_id)
  redis.call('HSET', KEYS[1], 'outcome', 'abandoned', 'waitMs', now - tonumber(call.enqueuedAt))
end
release_operator(prefix, call.operatorId, call_id)
redis.call('HSET', KEYS[1], 'state', 'ended', 'endedAt', now)
redis.call('SREM', KEYS[2], call_id)
return redis.call('HGETALL', KEYS[1])
