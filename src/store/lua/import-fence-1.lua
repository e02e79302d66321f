-- The switch fence ({p}:import-switch, _import.lua): taken by an import before its checks, or
-- taken over from an import whose lease ran out (its process stopped), to finish it.
--
-- KEYS[1] {p}:import-switch
-- ARGV[1] key prefix   ARGV[2] 'acquire' or 'take-over'   ARGV[3] holder: who takes it (random)
-- ARGV[4] importId (acquire: the import taking it)
--
-- acquire returns {'ok'} (the fence is the import's, its journal's state is now 'checking'),
-- {'busy', importId} (another import holds it), {'stale', importId} (another import's lease ran
-- out: take it over and finish that one first) or {'gone'} (the import's journal expired).
-- While waiting, the import's lock and staging are kept alive.
-- take-over returns {'ok', importId, state, applied} (the fence is the caller's now, with a
-- fresh lease), {'busy', importId} (its holder is alive) or {'none'} (no fence, or a fence
-- left by an import whose journal is gone, which is lifted).

local prefix, action, holder = ARGV[1], ARGV[2], ARGV[3]
local fence = read_hash(KEYS[1])
local now = now_ms()

if action == 'acquire' then
  local journal = import_journal_key(prefix, ARGV[4])
  local lease_ms = redis.call('HGET', journal, 'leaseMs')
  if not lease_ms then
    return { 'gone' }
  end
  import_renew(journal)
  -- Safe to run twice (a reply lost): the fence is the caller's already then.
  if fence and fence.holder == holder then
    return { 'ok' }
  end
  if fence then
    return { tonumber(fence.leaseUntil) < now and 'stale' or 'busy', fence.importId }
  end
  redis.call('HSET', KEYS[1], 'importId', ARGV[4], 'holder', holder, 'leaseUntil', now + tonumber(lease_ms))
  redis.call('HSET', journal, 'state', 'checking')
  return { 'ok' }
end

if not fence then
  return { 'none' }
end
if tonumber(fence.leaseUntil) >= now and fence.holder ~= holder then
  return { 'busy', fence.importId }
end
local state, applied, lease_ms = unpack(redis.call('HMGET', import_journal_key(prefix, fence.importId), 'state', 'applied', 'leaseMs'))
if not state then
  redis.call('DEL', KEYS[1])
  return { 'none' }
end
redis.call('HSET', KEYS[1], 'holder', holder, 'leaseUntil', now + tonumber(lease_ms))
return { 'ok', fence.importId, state, applied or '0' }
