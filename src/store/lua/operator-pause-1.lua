-- The operator pauses (takes no calls) with a reason and an optional note, from available or
-- wrap-up; pausing again replaces the reason and note.
--
-- KEYS[1] {p}:operator:{operatorId}
-- ARGV[1] key prefix
-- ARGV[2] operatorId   ARGV[3] reason (operators/operator-store.ts PAUSE_REASONS)   ARGV[4] note, or ''
--
-- Returns the operator session as HGETALL. Emits operator.state.
-- Safe to retry (the same pause again only restamps it).
-- Errors: operator_not_logged_in, operator_busy (connecting or on a call).

local prefix, operator_id = ARGV[1], ARGV[2]

idle_operator_state(KEYS[1])
set_operator_state(prefix, operator_id, 'paused', { pauseReason = ARGV[3], pauseNote = ARGV[4] ~= '' and ARGV[4] or nil })
return redis.call('HGETALL', KEYS[1])
