-- The operator is ready for calls: ends a pause, or a wrap-up before its time.
-- paused / wrap-up -> available; an available operator is left as they are.
--
-- KEYS[1] {p}:operator:{operatorId}
-- ARGV[1] key prefix
-- ARGV[2] operatorId
--
-- Returns the operator session as HGETALL. Emits operator.state when the state changed.
-- Safe to retry.
-- Errors: operator_not_logged_in, operator_busy (connecting or on a call).

local prefix, operator_id = ARGV[1], ARGV[2]

local state = idle_operator_state(KEYS[1])
if state ~= 'available' then
  set_operator_state(prefix, operator_id, 'available')
end
return redis.call('HGETALL', KEYS[1])
