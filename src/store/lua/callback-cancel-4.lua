-- Cancels a booked call-back (callback-book-6.lua) that nobody has started on: scheduled (its
-- window not begun, in {p}:callbacks:scheduled) or waiting in its municipality's queue. E.g.
-- the citizen called again and was helped, or the booking was a mistake. It leaves the index
-- or queue and ends: state ended, outcome callback-cancelled, endedAt, cancelledBy. One that
-- rings an operator's phone, is answered or has ended is left alone (the operator who has it
-- decides).
--
-- KEYS[1] {p}:call:{callId}   (the call-back, "<callId>-cb")
-- KEYS[2] {p}:callbacks:scheduled
-- KEYS[3] {p}:calls:active
-- KEYS[4] {p}:operator:{operatorId}
-- ARGV[1] key prefix   ARGV[2] callId of the call-back   ARGV[3] operatorId cancelling it
--
-- Returns the call-back's record as HGETALL. Emits call.ended (outcome callback-cancelled).
-- Safe to retry: a call-back already cancelled is returned unchanged.
-- Errors: callback_not_found (no such call, or a call that is not a call-back),
-- municipality_not_served (the operator is logged in and does not serve its municipality),
-- callback_offered, callback_answered, callback_ended.

local prefix, call_id, operator_id = ARGV[1], ARGV[2], ARGV[3]

local call = read_hash(KEYS[1])
if not call or call.kind ~= 'callback' then
  fail('callback_not_found')
end
if call.state == 'ended' and call.outcome == 'callback-cancelled' then
  return redis.call('HGETALL', KEYS[1])
end
-- An operator logged in to the switchboard cancels only in the municipalities they serve, as
-- they take calls (claim-1.lua); one not logged in is not limited, as the list they read is not.
local operator = read_hash(KEYS[4])
if operator then
  assert_serves(cjson.decode(operator.municipalities), call.municipalityId)
end
if call.state == 'connecting' then
  fail('callback_offered')
end
if call.state == 'answered' then
  fail('callback_answered')
end
if call.state ~= 'scheduled' and call.state ~= 'waiting' then
  fail('callback_ended')
end

local now = now_ms()
if call.state == 'scheduled' then
  redis.call('ZREM', KEYS[2], call_id)
else
  queue_remove(prefix, call.municipalityId, call_id, call.priorityBoostSeconds)
end
redis.call('HSET', KEYS[1], 'state', 'ended', 'endedAt', now, 'outcome', 'callback-cancelled', 'cancelledBy', operator_id)
redis.call('SREM', KEYS[3], call_id)
emit_event(prefix, 'call.ended', call.municipalityId,
  { 'callId', call_id, 'outcome', 'callback-cancelled', 'operatorId', '', 'cancelledBy', operator_id, 'callbackOf', call.callbackOf or '' })
return redis.call('HGETALL', KEYS[1])
