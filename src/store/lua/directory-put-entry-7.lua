-- Creates one entry, or replaces it if it is still at the version the caller read.
--
-- KEYS[1] {p}:directory:entries   KEYS[2] {p}:directory:extensions   KEYS[3] {p}:directory:numbers
-- KEYS[4] {p}:directory:by-municipality:{municipalityId of the entry}
-- KEYS[5] {p}:directory:changes   KEYS[6] {p}:directory:change-seq   KEYS[7] {p}:audit:{municipalityId}
-- ARGV[1] key prefix (the admin store's claims and extensions are read by it)
-- ARGV[2] length the change stream is trimmed to   ARGV[3] entry id
-- ARGV[4] expected version ('' = the id must be new)   ARGV[5] the entry as stored (JSON)
-- ARGV[6] the entry's values that config/region.yaml gives another municipality: JSON object,
--         claim -> {municipalityId, what} (see _directory.lua's entry_conflict)
-- ARGV[7] oldest audit id to keep (ms)   ARGV[8] time of the change   ARGV[9] who made it (JSON)
--
-- Returns {'ok'}.
-- Fails (fail, _shared.lua) with exists, not_found, version_mismatch {version: the stored one}
-- (_admin.lua's version_problem), entry_municipality {municipalityId: the stored one},
-- entry_taken {what _directory.lua's entry_conflict found}, or import_switching while an import
-- switches over (_admin.lua).

local prefix, max_length, id, expected, json = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
admin_assert_not_switching(prefix)
local reserved = cjson.decode(ARGV[6])
local audit = { key = KEYS[7], min_id = ARGV[7], at = ARGV[8], actor = ARGV[9] }
local entry = cjson.decode(json)
local stored_json = redis.call('HGET', KEYS[1], id)
local stored = decoded(stored_json)

local code, detail = version_problem(expected == '' and 0 or tonumber(expected), stored and stored.version)
if code then
  fail(code, detail)
end
if stored and stored.municipalityId ~= entry.municipalityId then
  fail('entry_municipality', { municipalityId = stored.municipalityId })
end

local keys = { entries = KEYS[1], extensions = KEYS[2], numbers = KEYS[3], changes = KEYS[5], seq = KEYS[6] }
local taken = entry_conflict(prefix, keys, entry, stored, reserved, function(owner)
  return owner == id
end)
if taken then
  fail('entry_taken', taken)
end

write_entry(keys, KEYS[4], max_length, audit, id, stored_json, json)
return { 'ok' }
