-- An import's rows, checked and written in chunks (src/import/staged-import.ts), so that no
-- script holds Redis for long: the queues of every municipality are served between them.
--
-- The rows are staged as chunks of "ops" under the import's journal. While the import holds the
-- switch fence ({p}:import-switch; no single change of the directory or the admin store is made
-- meanwhile, _admin.lua's admin_assert_not_switching), every chunk is checked against the
-- stored data; only when none has a problem is the import committed, and then every chunk is
-- written, one script each. A committed import is written to its end even when its process
-- stops: whoever finds the fence's lease run out takes the fence over and writes the chunks
-- left (roll forward). An import not committed has written nothing, and is discarded.
-- scripts.ts puts this file after _shared.lua, _admin.lua and _directory.lua
-- in front of every import-*.lua.
--
-- Keys (src/store/keys.ts): the journal {p}:import:{id} (hash: id, kind, municipalityId, actor,
-- rows, startedAt, leaseMs, lockMs, keepMs, lock: the lock's key or '', state:
-- staging|checking|committed, chunks, applied), its chunks (journal .. ':chunks', hash: n ->
-- {context, ops}, JSON) and its ids (journal .. ':ids', set: every id its ops name); the fence
-- {p}:import-switch (hash: importId, holder, leaseUntil ms) and the lock
-- {p}:import-lock:{kind}:{municipalityId} (the importId: one import of a kind per municipality).
-- Until committed, the journal, chunks and ids expire keepMs after the import's last step.
--
-- An op is one row (`row` 0-based; -1 for a deletion of replace mode) on one object (`id`):
--   {op = 'admin', row, id, change}   a change of a versioned admin object (_admin.lua)
--   {op = 'entry', row, id, expected, json, reserved}   a directory entry: `expected` the version
--       read ('' = new), `json` the entry to store ('' = kept as stored: only its version is
--       checked), `reserved` its values that config/region.yaml gives another municipality
--       (JSON as directory-put-entry-7.lua's ARGV[6], '' = none)
--   {op = 'entry-delete', row, id, expected}   a directory entry to delete ('' = only its
--       index member is left)
-- A chunk's context is what its entry ops need: municipalityId, maxLength (of the change
-- stream) and audit {key, min_id, at, actor} (_directory.lua's audit_change).
--
-- A problem, as a check returns it, is {row, id, code, ...detail}: an admin op's admin_check
-- problems (_admin.lua); for an entry 'changed' (not at the version read, or not the import's
-- municipality's: the caller reads again), 'taken' (entry_conflict's detail) or 'linked'
-- {entryId, name, linked: labels of the extensions linking to an entry to delete}.

local function import_switch_key(prefix)
  return prefix .. ':import-switch'
end

local function import_journal_key(prefix, import_id)
  return prefix .. ':import:' .. import_id
end

-- Whether `holder` holds the fence, extending its lease if so. A check-only run (holder '')
-- writes nothing and needs no fence.
local function import_hold(prefix, holder, lease_ms)
  if holder == '' then
    return true
  end
  local fence = import_switch_key(prefix)
  if redis.call('HGET', fence, 'holder') ~= holder then
    return false
  end
  redis.call('HSET', fence, 'leaseUntil', now_ms() + tonumber(lease_ms))
  return true
end

-- How a step of an import under way begins: nil to go on (the fence's lease extended), or the
-- reply that ends it at once: {'gone'} (the journal is no longer there) or {'fence_lost'}.
local function import_step_refused(journal, prefix, holder)
  local lease_ms = redis.call('HGET', journal, 'leaseMs')
  if not lease_ms then
    return { 'gone' }
  end
  if not import_hold(prefix, holder, lease_ms) then
    return { 'fence_lost' }
  end
  return nil
end

-- Keeps the import's lock, and until it is committed its staged keys, from expiring while it works.
local function import_renew(journal)
  local id, lock, state, lock_ms, keep_ms = unpack(redis.call('HMGET', journal, 'id', 'lock', 'state', 'lockMs', 'keepMs'))
  if lock and lock ~= '' and redis.call('GET', lock) == id then
    redis.call('PEXPIRE', lock, lock_ms)
  end
  if state and state ~= 'committed' then
    for _, key in ipairs({ journal, journal .. ':chunks', journal .. ':ids' }) do
      redis.call('PEXPIRE', key, keep_ms)
    end
  end
end

-- Removes what is left of import `import_id` (all it wrote stays): its journal, chunks and ids,
-- its lock, and the fence when it is the import's.
local function import_end(prefix, import_id)
  local journal = import_journal_key(prefix, import_id)
  local lock = redis.call('HGET', journal, 'lock')
  if lock and lock ~= '' and redis.call('GET', lock) == import_id then
    redis.call('DEL', lock)
  end
  if redis.call('HGET', import_switch_key(prefix), 'importId') == import_id then
    redis.call('DEL', import_switch_key(prefix))
  end
  -- UNLINK: a discarded import's staging (50 000 rows) is freed in the background, not here.
  redis.call('UNLINK', journal, journal .. ':chunks', journal .. ':ids')
end

-- The directory's keys (src/store/keys.ts), as an entry's helpers take them.
local function import_entry_keys(prefix)
  local directory = prefix .. ':directory:'
  return {
    entries = directory .. 'entries',
    extensions = directory .. 'extensions',
    numbers = directory .. 'numbers',
    changes = directory .. 'changes',
    seq = directory .. 'change-seq',
  }
end

-- Appends to `problems` what is wrong with `op` against the stored data, as a single change of
-- the same object would find it. Values may pass between the objects of one directory import
-- (`ids_key`: every object it names), not away from any other; an admin import's changes are
-- each checked against the data as stored (docs/decisions.md, "Bulk writes").
local function import_check(prefix, context, ids_key, op, problems)
  local function problem(code, detail)
    detail.row, detail.id, detail.code = op.row, op.id, code
    problems[#problems + 1] = detail
  end
  if op.op == 'admin' then
    local change = admin_load(op.change)
    local found = {}
    admin_check(prefix, change, found)
    for _, p in ipairs(found) do
      problem(p.code, p.detail)
    end
    admin_check_key_types(prefix, change)
    return
  end
  local keys = import_entry_keys(prefix)
  local stored = decoded(redis.call('HGET', keys.entries, op.id))
  -- Any version problem (version_problem, _admin.lua), or an entry of another municipality.
  local based_on = op.expected == '' and 0 or tonumber(op.expected)
  if version_problem(based_on, stored and stored.version) or (stored and stored.municipalityId ~= context.municipalityId) then
    return problem('changed', {})
  end
  if op.op == 'entry-delete' then
    local linked = linked_to(prefix, op.id)
    if #linked > 0 then
      problem('linked', { entryId = op.id, name = stored and stored.name or op.id, linked = linked })
    end
  elseif op.json ~= '' then
    local reserved = op.reserved == '' and {} or cjson.decode(op.reserved)
    local taken = entry_conflict(prefix, keys, cjson.decode(op.json), stored, reserved, function(owner)
      return redis.call('SISMEMBER', ids_key, owner) == 1
    end)
    if taken then
      problem('taken', taken)
    end
  end
end

-- Writes a checked op, with its audit entry (and an entry's change for the search indexes).
-- Releases are guarded on the owner (_directory.lua), so a value passing
-- between two entries of the import ends with its new holder whichever is written first.
local function import_apply(prefix, context, op)
  if op.op == 'admin' then
    admin_apply(prefix, admin_load(op.change))
    return
  end
  if op.op == 'entry' and op.json == '' then
    return
  end
  local keys = import_entry_keys(prefix)
  local stored_json = redis.call('HGET', keys.entries, op.id)
  local audit = context.audit
  local index_key = by_municipality_key(prefix, context.municipalityId)
  if op.op == 'entry-delete' then
    remove_entry(keys, index_key, context.maxLength, audit, op.id, stored_json, context.municipalityId)
  else
    write_entry(keys, index_key, context.maxLength, audit, op.id, stored_json, op.json)
  end
end
