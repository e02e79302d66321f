-- The operator answered on the leg of the current offer: the call is bridged.
-- connecting -> answered; the operator is on-call.
--
-- A call may be answered more than once: after a blind transfer nobody answered came back
-- (recall), after a retrieve from the park, or after it went back to the queue. The FIRST
-- answer is the call's answer: answeredAt and waitMs (enqueue to first answer: the speed of
-- answer the statistics, the service level and the expected wait announced read) are written
-- once and kept. talkSince starts this answer's stretch of talk (_shared.lua close_talk: an
-- earlier stretch was closed when its operator let go of the call). answeredBy: the operator
-- who answered last (the call counts for them in the operators' statistics).
--
-- KEYS[1] {p}:call:{callId}
-- ARGV[1] key prefix
-- ARGV[2] callId
-- ARGV[3] operatorChannelId (the operator leg that answered)
-- ARGV[4] how many ms ago the leg answered (absent: now): the app records the answer only once
--         caller and operator are bridged, which takes a few ARI steps, and the wait ends and the
--         talk begins when the operator answered
--
-- Returns the call record as HGETALL. Emits call.answered and operator.state.
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

local now = math.max(now_ms() - math.max(0, tonumber(ARGV[4]) or 0), tonumber(call.enqueuedAt))
if not call.answeredAt then
  redis.call('HSET', KEYS[1], 'answeredAt', now, 'waitMs', now - tonumber(call.enqueuedAt))
end
redis.call('HSET', KEYS[1], 'state', 'answered', 'talkSince', now, 'answeredBy', call.operatorId)
if redis.call('HGET', operator_key(prefix, call.operatorId), 'callId') == call_id then
  set_operator_state(prefix, call.operatorId, 'on-call', { callId = call_id })
end
emit_event(prefix, 'call.answered', call.municipalityId,
  { 'callId', call_id, 'operatorId', call.operatorId, 'waitMs', redis.call('HGET', KEYS[1], 'waitMs') })
return redis.call('HGETALL', KEYS[1])
