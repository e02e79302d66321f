-- Checks one staged chunk of an import against the stored data (_import.lua's import_check),
-- writing nothing. A real import checks every chunk while it holds the fence, so no single
-- change comes between its checks and its writes.
--
-- KEYS[1] {p}:import:{importId}
-- ARGV[1] key prefix   ARGV[2] holder of the fence ('' for a check-only run)   ARGV[3] chunk number
--
-- Returns {'ok'} (no problem), {'ok', JSON list of problems}, {'fence_lost'} or {'gone'}.
-- Fails with key_type when a key an op would write holds the wrong type (_admin.lua).

local journal, prefix, holder = KEYS[1], ARGV[1], ARGV[2]
local refused = import_step_refused(journal, prefix, holder)
if refused then
  return refused
end
local chunk = cjson.decode(redis.call('HGET', journal .. ':chunks', ARGV[3]))
local problems = {}
for _, op in ipairs(chunk.ops) do
  import_check(prefix, chunk.context, journal .. ':ids', op, problems)
end
import_renew(journal)
if #problems == 0 then
  return { 'ok' }
end
return { 'ok', cjson.encode(problems) }
