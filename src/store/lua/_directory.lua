-- Shared helpers of the directory's scripts (directory-*.lua): scripts.ts puts this file in
-- front of each (after _shared.lua and _admin.lua, whose helpers it uses), because Redis Lua
-- has no include. Key names built here must match src/store/keys.ts.
--
-- Every script makes all its checks before its first write, so a refused change (fail,
-- _shared.lua) leaves nothing behind. An import's rows are checked and written with these
-- helpers too (_import.lua).

local function by_municipality_key(prefix, municipality_id)
  return prefix .. ':directory:by-municipality:' .. municipality_id
end

local function decoded(json)
  if json then
    return cjson.decode(json)
  end
  return nil
end

-- The values an entry lists, as claims ("extension:2460123", "e164:+4693514123"), each with
-- its kind as the directory names it ('extension' or 'number') and its value.
local function listed(entry)
  local values = {}
  if entry.extension then
    values[#values + 1] = { kind = 'extension', value = entry.extension, claim = 'extension:' .. entry.extension }
  end
  for _, number in ipairs(entry.phoneNumbers) do
    values[#values + 1] = { kind = 'number', value = number, claim = 'e164:' .. number }
  end
  return values
end

-- Why `entry` (replacing `stored`, nil for a new one) cannot have its values, or nil; the first
-- of, in order:
-- * a value held by another entry that may_take(owner id) does not allow to give it up:
--   {kind, value, entryId, name, municipalityId} of that entry;
-- * a value newly listed (not in `stored`) that another municipality uses: an admin object of
--   theirs (_admin.lua's region_use_elsewhere): {kind, value, holder, label, municipalityId};
--   or its configured numbers, as the caller found them in config/region.yaml (`reserved`:
--   claim -> {municipalityId, what}): {kind, value, what, municipalityId}.
-- Only new values meet the second, so that an entry listed before that check (or before a
-- range moved) can still be edited, e.g. given a hänvisning.
local function entry_conflict(prefix, keys, entry, stored, reserved, may_take)
  local values = listed(entry)
  for _, v in ipairs(values) do
    local owner = redis.call('HGET', v.kind == 'extension' and keys.extensions or keys.numbers, v.value)
    if owner and not may_take(owner) then
      local holder = cjson.decode(redis.call('HGET', keys.entries, owner))
      return { kind = v.kind, value = v.value, entryId = owner, name = holder.name, municipalityId = holder.municipalityId }
    end
  end
  local before = {}
  for _, v in ipairs(stored and listed(stored) or {}) do
    before[#before + 1] = v.claim
  end
  for _, v in ipairs(values) do
    local user = region_newly_used(prefix, 'directory', v.claim, before, entry.municipalityId)
    if user then
      return { kind = v.kind, value = v.value, holder = user.holder, label = user.label, municipalityId = user.municipalityId }
    end
    local configured = not contains(before, v.claim) and reserved[v.claim]
    if configured then
      return { kind = v.kind, value = v.value, what = configured.what, municipalityId = configured.municipalityId }
    end
  end
  return nil
end

-- The extensions (admin objects) that link to entry `id` by directoryEntryId (_admin.lua keeps
-- them as refs of "directory-entry:{id}"), by label: the entry cannot go while any does.
local function linked_to(prefix, id)
  local labels = {}
  for _, holder in ipairs(redis.call('SMEMBERS', admin_refs_key(prefix, 'directory-entry:' .. id))) do
    labels[#labels + 1] = admin_label_of(prefix, holder)
  end
  table.sort(labels)
  return labels
end

-- Guarded on the owner, so a value another entry has taken over meanwhile stays with it.
local function release(extensions_key, numbers_key, id, entry)
  if entry.extension and redis.call('HGET', extensions_key, entry.extension) == id then
    redis.call('HDEL', extensions_key, entry.extension)
  end
  for _, number in ipairs(entry.phoneNumbers) do
    if redis.call('HGET', numbers_key, number) == id then
      redis.call('HDEL', numbers_key, number)
    end
  end
end

local function claim(extensions_key, numbers_key, id, entry)
  if entry.extension then
    redis.call('HSET', extensions_key, entry.extension, id)
  end
  for _, number in ipairs(entry.phoneNumbers) do
    redis.call('HSET', numbers_key, number, id)
  end
end

-- Appends the change for every app instance's search index (entry JSON, or none for a
-- deletion), numbered so that a reader who missed entries trimmed from the capped stream
-- notices the gap and reloads.
local function record_change(stream_key, seq_key, max_length, id, entry_json)
  local seq = redis.call('INCR', seq_key)
  if entry_json then
    redis.call('XADD', stream_key, 'MAXLEN', '~', max_length, '*', 'seq', seq, 'id', id, 'entry', entry_json)
  else
    redis.call('XADD', stream_key, 'MAXLEN', '~', max_length, '*', 'seq', seq, 'id', id)
  end
end

-- Appends the change to the audit log (_admin.lua's audit_append, with the fields every admin
-- change has), in the step that makes it, so no change goes unaudited. `audit` is {key, min_id,
-- at, actor} from the caller; before/after are entry JSON, or nil.
local function audit_change(audit, action, id, municipality_id, before_json, after_json)
  local fields = { 'at', audit.at, 'actor', audit.actor, 'action', action, 'objectType', 'directory-entry', 'objectId', id, 'municipalityId', municipality_id }
  if before_json then
    fields[#fields + 1] = 'before'
    fields[#fields + 1] = before_json
  end
  if after_json then
    fields[#fields + 1] = 'after'
    fields[#fields + 1] = after_json
  end
  audit_append(audit.key, audit.min_id, fields)
end

-- Writes `json` (the entry) as entry `id` in place of `stored_json` (false or nil: a new entry),
-- `keys` being the directory's (entries, extensions, numbers, changes: the stream, seq: its
-- counter), with its values, its place in its municipality's index (`index_key`), its change for the
-- search indexes and its audit entry. Checked by the caller.
local function write_entry(keys, index_key, max_length, audit, id, stored_json, json)
  local entry = cjson.decode(json)
  if stored_json then
    release(keys.extensions, keys.numbers, id, cjson.decode(stored_json))
  end
  claim(keys.extensions, keys.numbers, id, entry)
  redis.call('HSET', keys.entries, id, json)
  redis.call('ZADD', index_key, 0, id)
  record_change(keys.changes, keys.seq, max_length, id, json)
  audit_change(audit, stored_json and 'update' or 'create', id, entry.municipalityId, stored_json or nil, json)
end

-- Deletes entry `id` of `municipality_id` (stored as `stored_json`; false when only its index
-- member was left), likewise. Checked by the caller.
local function remove_entry(keys, index_key, max_length, audit, id, stored_json, municipality_id)
  if stored_json then
    release(keys.extensions, keys.numbers, id, cjson.decode(stored_json))
  end
  redis.call('HDEL', keys.entries, id)
  redis.call('ZREM', index_key, id)
  record_change(keys.changes, keys.seq, max_length, id, nil)
  audit_change(audit, 'delete', id, municipality_id, stored_json or nil, nil)
end
