-- An operator serving the parked call's municipality retrieves it: it leaves the park and is
-- offered to that operator (connecting on leg "<callId>-op<attempt>"), whose phone rings; when
-- they answer, mark-answered-1.lua and the usual bridging take over. If the phone is not
-- answered, requeue-1.lua puts the call in its queue at its original place.
--
-- KEYS[1] {p}:call:{callId}
-- KEYS[2] {p}:operator:{operatorId}
-- ARGV[1] key prefix   ARGV[2] callId   ARGV[3] operatorId
-- ARGV[4] what the operator leg's id has between the call id and the attempt (media/media-ids.ts operatorLegSuffix)
--
-- Returns the call record as HGETALL. Emits call.retrieved and operator.state.
-- Safe to retry: the same operator already connecting to that call gets it back.
-- Errors: call_not_found, operator_not_logged_in, operator_paused, operator_busy, municipality_not_served,
-- call_not_parked.

local prefix, call_id, operator_id = ARGV[1], ARGV[2], ARGV[3]

local call = read_hash(KEYS[1])
if not call then
  fail('call_not_found')
end
local operator = read_hash(KEYS[2])
if not operator then
  fail('operator_not_logged_in')
end
if operator.state == 'connecting' and operator.callId == call_id then
  return redis.call('HGETALL', KEYS[1])
end
assert_may_take_call(operator)
assert_serves(cjson.decode(operator.municipalities), call.municipalityId)
if call.state ~= 'answered' or call.control ~= 'parked' then
  fail('call_not_parked')
end

redis.call('ZREM', park_key(prefix, call.municipalityId), call_id)
redis.call('HDEL', KEYS[1], 'control')
offer_call(prefix, call_id, operator_id, ARGV[4])
emit_event(prefix, 'call.retrieved', call.municipalityId, { 'callId', call_id, 'operatorId', operator_id })
return redis.call('HGETALL', KEYS[1])
