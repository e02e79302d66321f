-- Creates one entry, or replaces it if it is still at the version the caller read.
--
-- KEYS[1] {p}:directory:entries   KEYS[2] {p}:directory:extensions   KEYS[3] {p}:directory:numbers
-- KEYS[4] {p}:directory:by-municipality:{municipalityId of the entry}
-- KEYS[5] {p}:directory:changes   KEYS[6] {p}:directory:change-seq   KEYS[7] {p}:audit:{municipalityId}
-- ARGV[1] length the change stream is trimmed to   ARGV[2] entry id
-- ARGV[3] expected version ('' = the id must be new)   ARGV[4] the entry as stored (JSON)
-- ARGV[5] oldest audit id to keep (ms)   ARGV[6] time of the change   ARGV[7] who made it (JSON)
--
-- Returns {'ok'}, or a refusal: {'exists'}, {'not_found'}, {'version', stored
-- version}, {'municipality', stored municipalityId}, or {'taken', kind, value, owner id,
-- owner name, owner municipalityId}.

local max_length, id, expected, json = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local audit = { key = KEYS[7], min_id = ARGV[5], at = ARGV[6], actor = ARGV[7] }
local entry = cjson.decode(json)
local stored_json = redis.call('HGET', KEYS[1], id)
local stored = decoded(stored_json)

if expected == '' then
  if stored then
    return { 'exists' }
  end
else
  if not stored then
    return { 'not_found' }
  end
  if stored.version ~= tonumber(expected) then
    return { 'version', stored.version }
  end
  if stored.municipalityId ~= entry.municipalityId then
    return { 'municipality', stored.municipalityId }
  end
end

local taken = find_taken(KEYS[2], KEYS[3], entry, function(owner)
  return owner == id
end)
if taken then
  return taken_reply(KEYS[1], taken)
end

if stored then
  release(KEYS[2], KEYS[3], id, stored)
end
claim(KEYS[2], KEYS[3], id, entry)
redis.call('HSET', KEYS[1], id, json)
redis.call('ZADD', KEYS[4], 0, id)
record_change(KEYS[5], KEYS[6], max_length, id, json)
audit_change(audit, stored and 'update' or 'create', id, entry.municipalityId, stored_json or nil, json)
return { 'ok' }
