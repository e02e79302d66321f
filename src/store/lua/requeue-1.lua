-- The operator's phone did not answer (or could not be rung): the call goes back to its
-- ORIGINAL place in its queue (its place number is its score), ahead of everyone who came
-- after it, with its priority class. connecting -> waiting; the operator becomes available.
-- A call answered before (offered again after a recall or a retrieve) keeps its first answer
-- (answeredAt, waitMs) and never overflows on the maximum wait (overflow-apply-1.lua); its talk
-- so far is in talkMs (its operator let go of it: _shared.lua close_talk).
--
-- KEYS[1] {p}:call:{callId}
-- ARGV[1] key prefix
-- ARGV[2] callId
-- ARGV[3] operatorChannelId (the leg that failed)
--
-- Returns {position, record as HGETALL}, position 1-based; or nil when that leg is not the
-- pending offer of the call (a late event of an earlier offer, or the call was answered or
-- ended): then nothing changes. Emits call.requeued and operator.state.
-- Safe to retry: a call already back in its queue from that leg is returned with its position.
-- Errors: call_not_found.

local prefix, call_id, operator_channel_id = ARGV[1], ARGV[2], ARGV[3]

local call = read_hash(KEYS[1])
if not call then
  fail('call_not_found')
end
if call.operatorChannelId ~= operator_channel_id or (call.state ~= 'connecting' and call.state ~= 'waiting') then
  return nil
end
if call.state == 'connecting' then
  local at = back_to_place(prefix, call_id, call)
  release_operator(prefix, call.operatorId, call_id)
  emit_event(prefix, 'call.requeued', call.municipalityId, { 'callId', call_id, 'position', at, 'operatorId', call.operatorId })
end
return { position(prefix, call.municipalityId, call_id), redis.call('HGETALL', KEYS[1]) }
