-- Deletes one entry, if it is still at the version the caller read (when one is given).
--
-- KEYS[1] {p}:directory:entries   KEYS[2] {p}:directory:extensions   KEYS[3] {p}:directory:numbers
-- KEYS[4] {p}:directory:changes   KEYS[5] {p}:directory:change-seq
-- ARGV[1] key prefix   ARGV[2] length the change stream is trimmed to   ARGV[3] entry id
-- ARGV[4] expected version ('' = whatever it is)
-- ARGV[5] oldest audit id to keep (ms)   ARGV[6] time of the change   ARGV[7] who made it (JSON)
-- The audit entry goes to the stream of the entry's municipality, {p}:audit:{municipalityId},
-- a key only known once the entry is read.
--
-- Returns {'ok', the deleted entry (JSON)}.
-- Fails (fail, _shared.lua) with not_found, version_mismatch {version: the stored one}
-- (_admin.lua's version_problem), entry_in_use {linked: the labels of the extensions whose
-- directoryEntryId is this entry: an entry is not deleted from under the extensions that show
-- it}, or import_switching while an import switches over (_admin.lua).

local prefix, max_length, id, expected = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
admin_assert_not_switching(prefix)
local json = redis.call('HGET', KEYS[1], id)
local stored = decoded(json)
-- No expected version (''): whatever version is stored.
local code, detail = version_problem(tonumber(expected), stored and stored.version)
if code then
  fail(code, detail)
end
local linked = linked_to(prefix, id)
if #linked > 0 then
  fail('entry_in_use', { linked = linked })
end

local keys = { entries = KEYS[1], extensions = KEYS[2], numbers = KEYS[3], changes = KEYS[4], seq = KEYS[5] }
local audit = { key = prefix .. ':audit:' .. stored.municipalityId, min_id = ARGV[5], at = ARGV[6], actor = ARGV[7] }
remove_entry(keys, by_municipality_key(prefix, stored.municipalityId), max_length, audit, id, json, stored.municipalityId)
return { 'ok', json }
