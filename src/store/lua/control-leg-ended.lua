-- A transfer's target leg ("<callId>-xfer<n>") is gone, answered or not.
--   transferring (a blind transfer nobody answered within the recall time): the call comes
--     back (recall). To the operator who transferred it if they are available (or in
--     wrap-up): the call is offered to them again, connecting on leg "<callId>-op<attempt>",
--     and their phone rings with "recall from <target>"; else to its municipality's queue at
--     its ORIGINAL place (its place score), like any call whose operator did not answer.
--   consulting / consulted (attended: the target did not answer, or hung up while talking to
--     the operator): the operator has the caller back.
--   transferred: the target hung up after the transfer: the call is to end.
--
-- KEYS[1] {p}:call:{callId}
-- ARGV[1] key prefix   ARGV[2] callId   ARGV[3] channel id of the leg that ended
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
    local attempt = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
    redis.call('HSET', KEYS[1], 'state', 'connecting', 'operatorId', operator_id,
      'operatorChannelId', call_id .. '-op' .. attempt, 'transferOutcome', 'recalled')
    set_operator_state(prefix, operator_id, 'connecting', { callId = call_id })
    emit_event(prefix, 'call.offered', call.municipalityId, { 'callId', call_id, 'operatorId', operator_id, 'recallFrom', call.transferTarget })
    what = 'recall-operator'
  else
    redis.call('HSET', KEYS[1], 'state', 'waiting', 'transferOutcome', 'requeued')
    redis.call('HDEL', KEYS[1], 'operatorId')
    queue_add(prefix, call.municipalityId, call_id, tonumber(call.place), call.priorityBoostSeconds)
    emit_event(prefix, 'call.requeued', call.municipalityId,
      { 'callId', call_id, 'position', position(prefix, call.municipalityId, call_id), 'recallFrom', call.transferTarget })
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
