-- The call ended. Its outcome (_shared.lua end_call):
--   answered, when an operator answered it at some time (answeredAt), even if it ended while
--     back in the queue or ringing an operator again (a recall or a retrieve nobody answered):
--     its waitMs stays the first answer's (mark-answered-1.lua) and a stretch of talk still open
--     (an operator had it) is added to talkMs (_shared.lua close_talk). Ending from answered,
--     the operator goes into wrap-up for ARGV[4] ms (available at once when 0).
--   abandoned, when it never was answered: waitMs up to now; or media-node-lost (ARGV[5]) when
--     the caller's channel went with their Asterisk (reconcile found Asterisk started after
--     the call arrived): not the caller's doing, so not counted as abandoned.
-- From waiting or connecting the call leaves its queue and an operator whose phone was
-- ringing becomes available. Sets state ended, endedAt and outcome, and removes the call from
-- the active set.
--
-- KEYS[1] {p}:call:{callId}
-- KEYS[2] {p}:calls:active
-- ARGV[1] key prefix
-- ARGV[2] callId
-- ARGV[3] operatorChannelId, or '': when given, the operator hung up, which ends the call
--         only if it was answered on that leg (a late hang-up of an earlier offer's leg
--         must not end a call that is back in the queue or offered to someone else)
-- ARGV[4] wrap-up time after an answered call, ms (absent: 0)
-- ARGV[5] the outcome of a call never answered: 'abandoned' (absent) or 'media-node-lost'
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

local unanswered = ARGV[5] == 'media-node-lost' and 'media-node-lost' or 'abandoned'
end_call(prefix, KEYS[1], KEYS[2], call_id, call, unanswered, wrap_up_ms)
return redis.call('HGETALL', KEYS[1])
