-- Writes many entries of one municipality at once, all or nothing (an import).
--
-- KEYS[1] {p}:directory:entries   KEYS[2] {p}:directory:extensions   KEYS[3] {p}:directory:numbers
-- KEYS[4] {p}:directory:by-municipality:{municipalityId}
-- KEYS[5] {p}:directory:changes   KEYS[6] {p}:directory:change-seq   KEYS[7] {p}:audit:{municipalityId}
-- ARGV[1] key prefix (the admin store's claims and extensions are read by it)
-- ARGV[2] length the change stream is trimmed to   ARGV[3] municipalityId
-- ARGV[4] 'replace' (entries of the municipality not among the rows are deleted) or 'upsert'
-- ARGV[5] the rows, one per line: id TAB the version the caller read ('' = new) TAB entry JSON
--         ('' = keep as stored) TAB the entry's values that config/region.yaml gives another
--         municipality (JSON, as put-entry.lua's ARGV[6]; '' = none). One argument rather than
--         four per row: an import of tens of thousands of rows would otherwise be more
--         arguments than a call can carry. JSON has no raw tabs or newlines, and ids neither.
-- ARGV[6] oldest audit id to keep (ms)   ARGV[7] time of the change   ARGV[8] who made it (JSON)
-- ARGV[9] '1' for a dry run: every check, then the answer, without writing anything
--
-- Every entry created, changed or deleted gets its own audit entry, as a single change would.
--
-- The caller read the rows' entries to decide what to write; a row whose entry changed since
-- then refuses the whole write, so nothing is written from a stale read. Returns {'ok',
-- number of entries deleted}, or a refusal: {'changed', 1-based row}, or {'conflicts', JSON
-- list}: for each row (up to 51 rows, `row` 1-based) the first problem _shared.lua's
-- entry_conflict finds, its values held by entries outside the write or by another
-- municipality; and in replace mode, for each entry it would delete that extensions link to,
-- {row = 0, entryId, name, linked = labels of those extensions}.

local prefix, max_length, municipality_id, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local dry_run = ARGV[9] == '1'
local audit = { key = KEYS[7], min_id = ARGV[6], at = ARGV[7], actor = ARGV[8] }

local rows, in_rows = {}, {}
local text = ARGV[5]
local start = 1
while start <= #text do
  local line_end = string.find(text, '\n', start, true) or (#text + 1)
  local tab = string.find(text, '\t', start, true)
  local second_tab = string.find(text, '\t', tab + 1, true)
  local third_tab = string.find(text, '\t', second_tab + 1, true)
  local row = {
    id = string.sub(text, start, tab - 1),
    expected = string.sub(text, tab + 1, second_tab - 1),
    json = string.sub(text, second_tab + 1, third_tab - 1),
    reserved = string.sub(text, third_tab + 1, line_end - 1),
  }
  rows[#rows + 1] = row
  in_rows[row.id] = true
  start = line_end + 1
end

for r, row in ipairs(rows) do
  row.stored_json = redis.call('HGET', KEYS[1], row.id)
  row.stored = decoded(row.stored_json)
  if row.expected == '' then
    if row.stored then
      return { 'changed', r }
    end
  elseif not row.stored or row.stored.version ~= tonumber(row.expected) or row.stored.municipalityId ~= municipality_id then
    return { 'changed', r }
  end
  if row.json ~= '' then
    row.entry = cjson.decode(row.json)
  end
end

local removed, is_removed = {}, {}
if mode == 'replace' then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
    if not in_rows[id] then
      local json = redis.call('HGET', KEYS[1], id)
      removed[#removed + 1] = { id = id, json = json, stored = decoded(json) }
      is_removed[id] = true
    end
  end
end

-- A value may pass between entries of this write (rows swapping numbers, or taken over
-- from an entry the replace deletes), but not away from any other entry.
local function may_take(owner)
  return in_rows[owner] or is_removed[owner]
end
local keys = { entries = KEYS[1], extensions = KEYS[2], numbers = KEYS[3] }
local conflicts = {}
for r, row in ipairs(rows) do
  if row.entry and #conflicts <= 50 then
    local taken = entry_conflict(prefix, keys, row.entry, row.stored, row.reserved == '' and {} or cjson.decode(row.reserved), may_take)
    if taken then
      taken.row = r
      conflicts[#conflicts + 1] = taken
    end
  end
end
for _, gone in ipairs(removed) do
  local linked = linked_to(prefix, gone.id)
  if #linked > 0 and #conflicts <= 50 then
    conflicts[#conflicts + 1] = { row = 0, entryId = gone.id, name = gone.stored and gone.stored.name or gone.id, linked = linked }
  end
end
if #conflicts > 0 then
  return { 'conflicts', cjson.encode(conflicts) }
end
if dry_run then
  return { 'ok', #removed }
end

-- Every value changing hands is released before any is claimed, so the order of rows does not matter.
for _, gone in ipairs(removed) do
  if gone.stored then
    release(KEYS[2], KEYS[3], gone.id, gone.stored)
  end
  redis.call('HDEL', KEYS[1], gone.id)
  redis.call('ZREM', KEYS[4], gone.id)
  record_change(KEYS[5], KEYS[6], max_length, gone.id, nil)
  audit_change(audit, 'delete', gone.id, municipality_id, gone.json or nil, nil)
end
for _, row in ipairs(rows) do
  if row.entry and row.stored then
    release(KEYS[2], KEYS[3], row.id, row.stored)
  end
end
for _, row in ipairs(rows) do
  if row.entry then
    claim(KEYS[2], KEYS[3], row.id, row.entry)
    redis.call('HSET', KEYS[1], row.id, row.json)
    redis.call('ZADD', KEYS[4], 0, row.id)
    record_change(KEYS[5], KEYS[6], max_length, row.id, row.json)
    audit_change(audit, row.stored and 'update' or 'create', row.id, municipality_id, row.stored_json or nil, row.json)
  end
end
return { 'ok', #removed }
