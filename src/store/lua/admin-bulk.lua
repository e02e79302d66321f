-- Writes many changes of one type of versioned admin object (src/admin/versioned-store.ts
-- bulkWrite, an import) all at once or not at all: every change is checked (_admin.lua's
-- admin_check, the same as a single change's, collecting every problem rather than stopping at
-- the first), and only when none has a problem is every change written, each with its audit
-- entry exactly as a single change writes it.
--
-- KEYS[1] {p}:admin-index:{type}:{municipalityId}, the objects of the import's municipality
-- KEYS[2] {p}:audit:{municipalityId}, the stream of the import's audit entries
-- ARGV[1] key prefix   ARGV[2] type
-- ARGV[3] 'replace' (the changes must cover every object in KEYS[1]: the caller sends a
--         deletion for each object not among the rows) or 'upsert'
-- ARGV[4] '1' for a dry run: every check, then the answer, without writing anything
-- ARGV[5] the changes, one JSON array (one argument, whatever the number of rows), each a
--         change as _admin.lua describes it plus `row`: the import's 0-based row, -1 for a
--         deletion
--
-- Each change is checked against the data as stored, not as the changes before it would leave
-- it: a value cannot pass from one change to another in the same import (a claim given up by
-- one row and taken by another is claim_taken, naming the first).
--
-- Returns {'ok'} (written, or on a dry run: would be), or {'conflicts', JSON list of {row, id,
-- code, ...detail}}: every problem of every change, and in replace mode admin_added {label}
-- for an object of the municipality that the changes do not cover (created since the caller
-- read the index). key_type {key} is raised as in admin-change.lua.

local prefix, type_name, mode, dry_run = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1'

local changes, covered, claimed_by, problems = {}, {}, {}, {}
for _, change in ipairs(cjson.decode(ARGV[5])) do
  admin_load(change)
  changes[#changes + 1] = change
  covered[change.id] = true
  admin_check(prefix, change, problems)
  -- The caller refuses two rows claiming one value; this keeps the store right without it. A
  -- value someone else holds is claim_taken for every row claiming it already.
  for _, claim in ipairs(change.new_claims) do
    local first = claimed_by[claim]
    if not first then
      claimed_by[claim] = change
    elseif (redis.call('GET', admin_claim_key(prefix, claim)) or change.self) == change.self then
      problems[#problems + 1] = { code = 'claim_taken', detail = { claim = claim, holder = first.self, label = first.label }, change = change }
    end
  end
end

local conflicts = {}
for _, p in ipairs(problems) do
  p.detail.row, p.detail.id, p.detail.code = p.change.row, p.change.id, p.code
  conflicts[#conflicts + 1] = p.detail
end
if mode == 'replace' then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    local id = string.match(member, ' (%S+)$')
    if not covered[id] then
      conflicts[#conflicts + 1] = { row = -1, id = id, code = 'admin_added', label = admin_label_of(prefix, type_name .. ':' .. id) }
    end
  end
end
if #conflicts > 0 then
  return { 'conflicts', cjson.encode(conflicts) }
end
for _, change in ipairs(changes) do
  admin_check_key_types(prefix, change)
end
if dry_run then
  return { 'ok' }
end

-- Checked; from here on only writes.

for _, change in ipairs(changes) do
  admin_apply(prefix, change)
end
return { 'ok' }
