-- Replace mode: the members of the municipality's index that an import's ops do not name
-- (_import.lua), one slice of the index per call. The ops name every object the import keeps,
-- changes or deletes, so such a member was added after the import read the index.
--
-- KEYS[1] {p}:import:{importId}   KEYS[2] the index: {p}:admin-index:{type}:{municipalityId}
--   (members "sortKey id") or {p}:directory:by-municipality:{municipalityId} (members "id")
-- ARGV[1] key prefix   ARGV[2] holder of the fence ('' for a check-only run)
-- ARGV[3] the last member of the previous slice ('' to begin)   ARGV[4] members per slice
--
-- Returns {'ok', the last member of this slice ('' when it was the last slice), ids not named...},
-- or {'fence_lost'} (another took the fence over) or {'gone'} (the journal is no longer there).

local journal, prefix, holder, after, count = KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local refused = import_step_refused(journal, prefix, holder)
if refused then
  return refused
end
local members = redis.call('ZRANGE', KEYS[2], after == '' and '-' or '(' .. after, '+', 'BYLEX', 'LIMIT', 0, count)
local reply = { 'ok', #members < count and '' or members[#members] }
for _, member in ipairs(members) do
  local id = string.match(member, ' (%S+)$') or member
  if redis.call('SISMEMBER', journal .. ':ids', id) == 0 then
    reply[#reply + 1] = id
  end
end
import_renew(journal)
return reply
