-- Ends an operator's session.
--
-- KEYS[1] {p}:operator:{operatorId}
-- KEYS[2] {p}:operators
-- ARGV[1] key prefix
-- ARGV[2] operatorId
--
-- Returns 1 when a session ended, 0 when there was none (so a retry is harmless).
-- Errors: operator_busy (connecting or on a call: the call must end or be requeued first).

local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  return 0
end
if state ~= 'available' then
  fail('operator_busy')
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
