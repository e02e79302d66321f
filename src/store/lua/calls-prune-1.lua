-- Removes ended call records past their retention (calls/call-retention.ts): one batch from
-- the old end of {p}:calls:by-time, whose score is the call's enqueuedAt (a call-back's is
-- its booking, which is later than its enqueuedAt: it goes a little later, never earlier).
-- An ended record goes whole: its hash, its entries in {p}:calls:by-time and in the index of
-- the municipality it arrived for, and a leftover park entry. A record not ended (waiting,
-- connecting, answered, scheduled) stays, whatever its age: it is still in use, and its
-- figures are not final. The cutoff is Redis's clock, the clock every record was stamped by.
--
-- KEYS[1] {p}:calls:by-time
-- ARGV[1] key prefix   ARGV[2] retention, ms
-- ARGV[3] how many not-ended records this run has already kept: they stay at the old end of
--         the index, so the batch starts after them instead of reading them again
-- ARGV[4] batch size
--
-- Returns { ids examined, records removed, records kept (not ended) }.
-- Safe to retry and to run in several instances at once: a record removed is simply no
-- longer there for the next batch or instance.

local prefix, retention_ms, skip, batch = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local cutoff = now_ms() - retention_ms

local ids = redis.call('ZRANGE', KEYS[1], '-inf', string.format('(%d', cutoff), 'BYSCORE', 'LIMIT', skip, batch)

-- Every read before the first write, as in every script here: a failing read leaves the
-- batch undone rather than half done.
local doomed, kept = {}, 0
for _, call_id in ipairs(ids) do
  local call = redis.call('HMGET', call_key(prefix, call_id), 'state', 'municipalityId', 'overflowFrom')
  -- false: no hash behind the index entry (nothing of the call left but its id), so it goes too.
  if call[1] == 'ended' or call[1] == false then
    table.insert(doomed, { id = call_id, municipality = call[2], from = call[3] })
  else
    kept = kept + 1
  end
end

for _, call in ipairs(doomed) do
  redis.call('DEL', call_key(prefix, call.id))
  redis.call('ZREM', KEYS[1], call.id)
  -- The municipality index holding the id is one of these two, by path: a call is indexed
  -- under the municipality it arrived for, which is overflowFrom once it overflowed into
  -- another's queue (overflow-apply-1.lua); a call-back under the one it was booked in, its
  -- municipalityId. ZREM of both is right either way.
  if call.municipality then
    redis.call('ZREM', prefix .. ':calls:by-municipality:' .. call.municipality, call.id)
    -- finish-2.lua does not know parks: a parked call whose caller hung up stays listed there
    -- until control-park-list-1.lua next reads the park.
    redis.call('ZREM', park_key(prefix, call.municipality), call.id)
  end
  if call.from then
    redis.call('ZREM', prefix .. ':calls:by-municipality:' .. call.from, call.id)
  end
end

return { #ids, #doomed, kept }
