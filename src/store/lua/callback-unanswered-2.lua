-- A call-back's operator answered, but the citizen was never reached: their leg
-- ("<callId>-cb-dial") was not answered (no answer, busy, could not be dialled), or the
-- operator hung up before the citizen answered. The promise still stands, so the call-back is
-- not ended as answered (finish-2.lua would, with talk time): it goes back to its ORIGINAL place
-- in its queue (its place score, as requeue-1.lua), waiting, with one more unansweredDials; the
-- operator is available again at once (no conversation took place, as after an unanswered
-- offer). After `max` unanswered dials it ends instead: outcome callback-no-answer, neither
-- answered nor abandoned (the citizen did not give up waiting; they could not be reached).
-- Denied (ARGV[5]): the dial policy refuses the citizen's number as it is about to be dialled
-- (it changed since the booking): the call-back ends at once, outcome callback-denied, its
-- unansweredDials unchanged (nobody was dialled).
--
-- KEYS[1] {p}:call:{callId}   (the call-back, "<callId>-cb")
-- KEYS[2] {p}:calls:active
-- ARGV[1] key prefix   ARGV[2] callId of the call-back
-- ARGV[3] the operator leg of the attempt, or '': when given (the operator hung up), only a
--         call-back answered on that very leg is settled
-- ARGV[4] max: unanswered dials after which the call-back ends
-- ARGV[5] 'denied', or absent
--
-- Returns {'requeued' or 'ended', position (0 when ended), record as HGETALL}, or nil when
-- there is nothing to settle: not a call-back, not answered by an operator (any more), the
-- citizen did answer (dialAnsweredAt: it ends as answered, finish-2.lua), or another leg.
-- Emits call.requeued (with unansweredDials) or call.ended (outcome callback-no-answer or
-- callback-denied), and operator.state.
-- Safe to retry: a settled call-back is no longer answered, so nothing changes the second time.

local prefix, call_id, operator_channel_id, max = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local denied = ARGV[5] == 'denied'

local call = read_hash(KEYS[1])
if not call or call.kind ~= 'callback' or call.state ~= 'answered' or call.dialAnsweredAt then
  return nil
end
if operator_channel_id ~= '' and call.operatorChannelId ~= operator_channel_id then
  return nil
end

local now = now_ms()
local dials = denied and (tonumber(call.unansweredDials) or 0) or redis.call('HINCRBY', KEYS[1], 'unansweredDials', 1)
release_operator(prefix, call.operatorId, call_id)
-- The operator's answer is void: nobody talked to the citizen. The next operator's answer
-- (mark-answered-1.lua) is then the call-back's first, and finish-2.lua never counts this one.
redis.call('HDEL', KEYS[1], 'answeredAt', 'answeredBy', 'waitMs', 'talkSince')

if denied or dials >= max then
  local outcome = denied and 'callback-denied' or 'callback-no-answer'
  redis.call('HSET', KEYS[1], 'state', 'ended', 'outcome', outcome, 'endedAt', now, 'waitMs', now - tonumber(call.enqueuedAt))
  redis.call('SREM', KEYS[2], call_id)
  emit_event(prefix, 'call.ended', call.municipalityId,
    { 'callId', call_id, 'outcome', outcome, 'operatorId', call.operatorId or '', 'callbackOf', call.callbackOf or '', 'unansweredDials', dials })
  return { 'ended', 0, redis.call('HGETALL', KEYS[1]) }
end

local at = back_to_place(prefix, call_id, call)
emit_event(prefix, 'call.requeued', call.municipalityId,
  { 'callId', call_id, 'position', at, 'operatorId', call.operatorId or '', 'cause', 'callback-no-answer', 'unansweredDials', dials })
return { 'requeued', at, redis.call('HGETALL', KEYS[1]) }
