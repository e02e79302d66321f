-- The call ended. From waiting or connecting it was abandoned (it leaves its queue; an
-- operator whose phone was ringing becomes available), waitMs up to now. From answered it was
-- answered, talkMs since answeredAt; the operator goes into wrap-up for ARGV[4] ms (available
-- at once when 0). Sets state ended, endedAt and outcome, and removes the call from the
-- active set.
--
-- KEYS[1] {p}:call:{callId}
-- KEYS[2] {p}:calls:active
-- ARGV[1] key prefix
-- ARGV[2] callId
-- ARGV[3] operatorChannelId, or '': when given, the operator hung up, which ends the call
--         only if it was answered on that leg (a late hang-up of an earlier offer's leg
--         must not end a call that is back in the queue or offered to someone else)
-- ARGV[4] wrap-up time after an answered call, ms (absent: 0)
--
-- Returns the call record as HGETALL; nil when there is no such call (it was never queued,
-- e.g. rejected before) or it was not answered on the operator leg given.
-- Emits call.ended (and operator.state when an operator is released).
-- Safe to retry: an ended call is returned unchanged.

local prefix, call_id, operator_channel_id = ARGV[1], ARGV[2], ARGV[3]
local wrap_up_ms = tonumber(ARGV[4]) or 0

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
local outcome
if call.state == 'answered' then
  outcome = 'answered'
  redis.call('HSET', KEYS[1], 'outcome', outcome, 'talkMs', now - tonumber(call.answeredAt))
  release_operator(prefix, call.operatorId, call_id, wrap_up_ms)
else
  outcome = 'abandoned'
  queue_remove(prefix, call.municipalityId, call_id, call.priorityBoostSeconds)
  redis.call('HSET', KEYS[1], 'outcome', outcome, 'waitMs', now - tonumber(call.enqueuedAt))
  release_operator(prefix, call.operatorId, call_id)
end
redis.call('HSET', KEYS[1], 'state', 'ended', 'endedAt', now)
redis.call('SREM', KEYS[2], call_id)
emit_event(prefix, 'call.ended', call.municipalityId, { 'callId', call_id, 'outcome', outcome, 'operatorId', call.operatorId or '' })
return redis.call('HGETALL', KEYS[1])
