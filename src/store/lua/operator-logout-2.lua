-- Ends an operator's session (available, paused or in wrap-up).
--
-- KEYS[1] {p}:operator:{operatorId}
-- KEYS[2] {p}:operators
-- ARGV[1] key prefix
-- ARGV[2] operatorId
--
-- Returns 1 when a session ended (emits operator.state 'logged-out'), 0 when there was none
-- (so a retry is harmless).
-- Errors: operator_busy (connecting or on a call: the call must end or be requeued first).

local state, municipalities = unpack(redis.call('HMGET', KEYS[1], 'state', 'municipalities'))
if not state then
  return 0
end
if state == 'connecting' or state == 'on-call' then
  fail('operator_busy')
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
emit_event(ARGV[1], 'operator.state', '',
  { 'operatorId', ARGV[2], 'state', 'logged-out', 'municipalities', table.concat(cjson.decode(municipalities), ',') })
return 1
