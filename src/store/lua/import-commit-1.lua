-- Commits a checked import (_import.lua): from here on it is written to its end, by its own
-- process or, should that stop, by whoever takes the fence over. Its staging no longer expires.
--
-- KEYS[1] {p}:import:{importId}
-- ARGV[1] key prefix   ARGV[2] holder of the fence   ARGV[3] number of chunks
--
-- Returns {'ok'}, {'fence_lost'} or {'gone'}.

local journal, prefix, holder = KEYS[1], ARGV[1], ARGV[2]
local refused = import_step_refused(journal, prefix, holder)
if refused then
  return refused
end
redis.call('HSET', journal, 'state', 'committed', 'chunks', ARGV[3], 'applied', 0)
redis.call('PERSIST', journal)
redis.call('PERSIST', journal .. ':chunks')
-- Only the checks needed them; freed in the background (50 000 ids take milliseconds to free).
redis.call('UNLINK', journal .. ':ids')
import_renew(journal)
return { 'ok' }
