-- Opens the journal of an import (_import.lua describes imports and their keys), and for an
-- import that will write, takes its lock: one import of a kind per municipality at a time.
--
-- KEYS[1] {p}:import:{importId}   KEYS[2] {p}:import-lock:{kind}:{municipalityId}
-- ARGV[1] key prefix   ARGV[2] importId   ARGV[3] '1' to take the lock ('' for a check-only run)
-- ARGV[4] the journal's fields, JSON: kind, municipalityId, actor, rows, startedAt, leaseMs,
--         lockMs, keepMs
--
-- Returns {'ok'}. Fails (fail, _shared.lua) with import_in_progress {the journal of the import
-- holding the lock; empty when that one has just ended}.

local prefix, import_id, locking = ARGV[1], ARGV[2], ARGV[3] == '1'
local fields = cjson.decode(ARGV[4])

-- Safe to run twice (a reply lost): the lock is already the import's then.
if locking and not redis.call('SET', KEYS[2], import_id, 'NX', 'PX', fields.lockMs) then
  local holder = redis.call('GET', KEYS[2])
  if holder ~= import_id then
    fail('import_in_progress', holder and read_hash(import_journal_key(prefix, holder)) or {})
  end
end

local flat = { 'id', import_id, 'lock', locking and KEYS[2] or '', 'state', 'staging' }
for name, value in pairs(fields) do
  flat[#flat + 1] = name
  flat[#flat + 1] = value
end
redis.call('HSET', KEYS[1], unpack(flat))
redis.call('PEXPIRE', KEYS[1], fields.keepMs)
return { 'ok' }
