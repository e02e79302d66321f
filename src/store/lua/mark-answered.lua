-- The operator answered on the leg of the current offer: the call is bridged.
-- connecting -> answered (answeredAt, waitMs); the operator is on-call.
--
-- KEYS[1] {p}:call:{callId}
-- ARGV[1] key prefix
-- ARGV[2] callId
-- ARGV[3] operatorChannelId (the operator leg that answered)
--
-- Returns the call record as HGETALL.
-- Safe to retry: a call already answered on the same operator leg is returned unchanged.
-- Errors: call_not_found; operator_leg_stale (the leg is not the current offer's: it answered
-- after the call went back to the queue or was offered to someone else); call_not_connecting
-- (the leg is current, but the call is no longer being offered: it went back to the queue or ended).

local prefix, call_id, operator_channel_id = ARGV[1], ARGV[2], ARGV[3]

local call = read_hash(KEYS[1])
if not call then
  fail('call_not_found')
end
if call.operatorChannelId ~= operator_channel_id then
  fail('operator_leg_stale')
end
if call.state == 'answered' then
  return redis.call('HGETALL', KEYS[1])
end
if call.state ~= 'connecting' then
  fail('call_not_connecting')
end

local now = now_ms()
redis.call('HSET', KEYS[1], 'state', 'answered', 'answeredAt', now, 'waitMs', now - tonumber(call.enqueuedAt))
local operator = operator_key(prefix, call.operatorId)
if redis.call('HGET', operator, 'callId') == call_id then
  redis.call('HSET', operator, 'state', 'on-call')
end
return redis.call('HGETALL', KEYS[1])
