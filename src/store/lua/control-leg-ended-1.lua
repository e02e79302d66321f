-- A transfer's target leg ("<callId>-xfer<n>") is gone, answered or not.
--   transferring (a blind transfer nobody answered within the recall time): the call comes
--     back (recall). To the operator who transferred it if they are available (or in
--     wrap-up): the call is offered to them again, connecting on leg "<callId>-op<attempt>",
--     and their phone rings with "recall from <target>"; else to its municipality's queue at
--     its ORIGINAL place (its place score), like any call whose operator did not answer.
--     Either way the call is no longer answered; it keeps its first answer's answeredAt and
--     waitMs, and its talk ended at the transfer (_shared.lua close_talk).
--     Back in the queue it keeps its enqueuedAt too, and never overflows on the maximum wait
--     (overflow-apply-1.lua): it has been answered once.
--   consulting / consulted (attended: the target did not answer, or hung up while talking to
--     the operator): the operator has the caller back.
--   transferred: the target hung up after the transfer: the call is to end.
--
-- KEYS[1] {p}:call:{callId}
-- ARGV[1] key prefix   ARGV[2] callId   ARGV[3] channel id of the leg that ended
-- ARGV[4] what the operator leg's id has between the call id and the attempt (media/media-ids.ts operatorLegSuffix)
--
-- Returns {what to do: 'recall-operator', 'recall-queue', 'back' or 'end', record as HGETALL},
-- or nil when the leg is not the call's current transfer (nothing changes). Emits events.
-- Safe to retry: the second time the control state no longer matches and nothing changes.

local prefix, call_id, leg = ARGV[1], ARGV[2], ARGV[3]

local call = read_hash(KEYS[1])
if not call or call.state ~= 'answered' or leg ~= call.transferLeg then
  return nil
end

local what
if call.control == 'transferring' then
  local operator_id = call.transferredBy
  local operator = operator_id and read_hash(operator_key(prefix, operator_id))
  redis.call('HDEL', KEYS[1], 'control')
  redis.call('HSET', KEYS[1], 'recallFrom', call.transferTarget)
  if operator and (operator.state == 'available' or operator.state == 'wrap-up') then
    offer_call(prefix, call_id, operator_id, ARGV[4])
    redis.call('HSET', KEYS[1], 'transferOutcome', 'recalled')
    emit_event(prefix, 'call.offered', call.municipalityId, { 'callId', call_id, 'operatorId', operator_id, 'recallFrom', call.transferTarget })
    what = 'recall-operator'
  else
    local at = back_to_place(prefix, call_id, call)
    redis.call('HSET', KEYS[1], 'transferOutcome', 'requeued')
    emit_event(prefix, 'call.requeued', call.municipalityId, { 'callId', call_id, 'position', at, 'recallFrom', call.transferTarget })
    what = 'recall-queue'
  end
elseif call.control == 'consulting' or call.control == 'consulted' then
  redis.call('HDEL', KEYS[1], 'control')
  redis.call('HSET', KEYS[1], 'transferOutcome', call.control == 'consulting' and 'no-answer' or 'cancelled')
  emit_event(prefix, 'call.transfer-cancelled', call.municipalityId, { 'callId', call_id, 'operatorId', call.operatorId })
  what = 'back'
elseif call.control == 'transferred' then
  what = 'end'
else
  return nil
end
return { what, redis.call('HGETALL', KEYS[1]) }
