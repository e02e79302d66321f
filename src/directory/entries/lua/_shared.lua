-- Shared helpers of the directory's scripts: entry-scripts.ts puts this file in front of each,
-- because Redis Lua has no include. Key names built here must match src/store/keys.ts.
--
-- Every script makes all its checks before its first write and returns (rather than raises) a
-- problem as {code, details...}, so a refused change leaves nothing behind.

local function by_municipality_key(prefix, municipality_id)
  return prefix .. ':directory:by-municipality:' .. municipality_id
end

local function decoded(json)
  if json then
    return cjson.decode(json)
  end
  return nil
end

-- The first extension or number of `entry` held by an entry that may_take(owner) does not
-- allow to give it up, as {kind, value, owner id}; nil when the entry may have them all.
local function find_taken(extensions_key, numbers_key, entry, may_take)
  if entry.extension then
    local owner = redis.call('HGET', extensions_key, entry.extension)
    if owner and not may_take(owner) then
      return { 'extension', entry.extension, owner }
    end
  end
  for _, number in ipairs(entry.phoneNumbers) do
    local owner = redis.call('HGET', numbers_key, number)
    if owner and not may_take(owner) then
      return { 'number', number, owner }
    end
  end
  return nil
end

-- The refusal naming who holds the value, so the message can say who to ask.
local function taken_reply(entries_key, taken)
  local owner = cjson.decode(redis.call('HGET', entries_key, taken[3]))
  return { 'taken', taken[1], taken[2], taken[3], owner.name, owner.municipalityId }
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

-- Appends the change to the audit log (src/audit/audit-log.ts: the same fields as every admin
-- change), in the step that makes it, so no change goes unaudited. `audit` is {key, min_id,
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
  redis.call('XADD', audit.key, 'MINID', '~', audit.min_id, '*', unpack(fields))
end
