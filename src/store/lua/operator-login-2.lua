-- Starts an operator's session, or updates it (name, phone, municipalities and weights) if
-- the operator is logged in and not on a call. The session's state and loggedInAt are kept.
--
-- KEYS[1] {p}:operator:{operatorId}
-- KEYS[2] {p}:operators
-- ARGV[1] key prefix
-- ARGV[2] operatorId   ARGV[3] name   ARGV[4] phone (SIP URI)
-- ARGV[5] municipalities (JSON array of municipality ids)
-- ARGV[6] weights (JSON object municipality id -> weight, claim-1.lua)
-- ARGV[7] the media node the phone can be rung from only (a browser phone's), or '' for any
--
-- Returns the operator session as HGETALL. Emits operator.state.
-- Safe to retry (a repeated login is an update).
-- Errors: operator_busy (connecting or on a call: their phone and municipalities must not
-- change under a call).

local prefix, operator_id = ARGV[1], ARGV[2]

local state = redis.call('HGET', KEYS[1], 'state')
if state == 'connecting' or state == 'on-call' then
  fail('operator_busy')
end

redis.call('HSET', KEYS[1], 'id', operator_id, 'name', ARGV[3], 'phone', ARGV[4], 'municipalities', ARGV[5], 'weights', ARGV[6])
if (ARGV[7] or '') ~= '' then
  redis.call('HSET', KEYS[1], 'phoneNode', ARGV[7])
else
  redis.call('HDEL', KEYS[1], 'phoneNode')
end
if state then
  emit_operator_state(prefix, operator_id)
else
  redis.call('SADD', KEYS[2], operator_id)
  set_operator_state(prefix, operator_id, 'available')
  -- The same instant as stateSince: TIME read twice may differ by a millisecond.
  redis.call('HSET', KEYS[1], 'loggedInAt', redis.call('HGET', KEYS[1], 'stateSince'))
end
return redis.call('HGETALL', KEYS[1])
