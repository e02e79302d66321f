-- Writes one chunk of a committed import (_import.lua's import_apply), each op with its audit
-- entry, and notes it in the journal in the same step, so that no chunk is written twice. The
-- last chunk ends the import: journal, staging, lock and fence are removed.
--
-- KEYS[1] {p}:import:{importId}
-- ARGV[1] key prefix   ARGV[2] holder of the fence   ARGV[3] chunk number
--
-- Returns {'ok', chunks written so far}, {'done'} (that was the last), {'at', chunks written}
-- (this chunk was written already: go on from there), {'fence_lost'} (another took the fence
-- over and finishes the import) or {'gone'} (the import is finished: no journal).
-- Fails with import_not_committed {importId} (a bug of the caller: only a committed import is written).

local journal, prefix, holder, n = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
local refused = import_step_refused(journal, prefix, holder)
if refused then
  return refused
end
local id, state, applied, chunks = unpack(redis.call('HMGET', journal, 'id', 'state', 'applied', 'chunks'))
if state ~= 'committed' then
  fail('import_not_committed', { importId = id })
end
applied = tonumber(applied)
if n ~= applied then
  return { 'at', applied }
end

local chunk = cjson.decode(redis.call('HGET', journal .. ':chunks', ARGV[3]))
for _, op in ipairs(chunk.ops) do
  import_apply(prefix, chunk.context, op)
end
applied = applied + 1
if applied == tonumber(chunks) then
  import_end(prefix, id)
  return { 'done' }
end
redis.call('HDEL', journal .. ':chunks', ARGV[3])
redis.call('HSET', journal, 'applied', applied)
import_renew(journal)
return { 'ok', applied }
