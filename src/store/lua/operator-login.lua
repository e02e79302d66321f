-- Starts an operator's session, or updates it (name, phone, municipalities) if the operator
-- is already logged in and available. The session's state and loggedInAt are kept.
--
-- KEYS[1] {p}:operator:{operatorId}
-- KEYS[2] {p}:operators
-- ARGV[1] key prefix
-- ARGV[2] operatorId   ARGV[3] name   ARGV[4] phone (SIP URI)
-- ARGV[5] municipalities (JSON array of municipality ids)
--
-- Returns the operator session as HGETALL. Safe to retry (a repeated login is an update).
-- Errors: operator_busy (connecting or on a call: their phone and municipalities must not
-- change under a call).

local state = redis.call('HGET', KEYS[1], 'state')
if state and state ~= 'available' then
  fail('operator_busy')
end

redis.call('HSET', KEYS[1], 'id', ARGV[2], 'name', ARGV[3], 'phone', ARGV[4], 'municipalities', ARGV[5])
if not state then
  redis.call('HSET', KEYS[1], 'state', 'available', 'loggedInAt', now_ms())
  redis.call('SADD', KEYS[2], ARGV[2])
end
return redis.call('HGETALL', KEYS[1])
