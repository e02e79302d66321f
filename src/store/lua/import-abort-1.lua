-- Discards an import that is not committed (_import.lua): checked with problems, a dry run, or
-- one whose process stopped before committing. It wrote nothing; its journal, staging and lock
-- go, and the fence if it held it.
--
-- KEYS[1] {p}:import:{importId}
-- ARGV[1] key prefix   ARGV[2] holder of the fence ('' if the caller never took it)   ARGV[3] importId
--
-- Returns {'ok'}, {'committed'} (it must be finished instead) or {'fence_lost'} (another
-- process took the import's fence over, and decides).

local prefix, holder, import_id = ARGV[1], ARGV[2], ARGV[3]
local fence = redis.call('HMGET', import_switch_key(prefix), 'importId', 'holder')
if fence[1] == import_id and fence[2] ~= holder then
  return { 'fence_lost' }
end
if redis.call('HGET', KEYS[1], 'state') == 'committed' then
  return { 'committed' }
end
import_end(prefix, import_id)
return { 'ok' }
