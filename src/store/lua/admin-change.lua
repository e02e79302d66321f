-- Creates, changes or deletes one versioned admin object (src/admin/versioned-store.ts) in one
-- step with everything that depends on it: the region-wide values it claims (an extension
-- number, an E.164 number), the claims of others it points at, its list indexes, its secret and
-- its audit entry. All checks, including the type of every key written, come before the first
-- write: Redis does not roll a script back, so a refused change must not have begun.
--
-- KEYS[1] {p}:admin:{type}:{id}
-- KEYS[2] {p}:admin:{type}:{id}:secret
-- KEYS[3] {p}:audit:{municipalityId}, the stream of the change's audit entry
-- ARGV[1] key prefix
-- ARGV[2] type   ARGV[3] id
-- ARGV[4] the version the change is based on; 0 to create (the object must not exist yet)
-- ARGV[5] municipalityId of the object after the change, or '' to delete it
-- ARGV[6] sortKey (no spaces)   ARGV[7] label (names the object in other objects' conflicts)
-- ARGV[8] claims, JSON array of "{kind}:{value}"   ARGV[9] refs, the same
-- ARGV[10] the object's document (JSON, stored as given)
-- ARGV[11] the secret to store, or '' to keep the stored one
-- ARGV[12] oldest audit stream id to keep (ms)
-- ARGV[13...] the audit entry's fields, as field, value, field, value...
--
-- Returns the object's new version (0 once deleted).
-- Errors, "RV <code> <JSON detail>": admin_exists, admin_not_found, version_mismatch {version},
-- claim_taken {claim, holder, label}, claim_in_use {claim, referrer, label}, reference_missing
-- {claim}, key_type {key} (a key holds a type this script does not write: corrupt data).
-- Not safe to blindly retry: a retry after a lost reply fails with version_mismatch (412),
-- which is the honest answer; it never applies a change twice.

local prefix, type_name, id = ARGV[1], ARGV[2], ARGV[3]
local based_on = tonumber(ARGV[4])
local deleting = ARGV[5] == ''
local self = type_name .. ':' .. id

local function reject(code, detail)
  error({ err = 'RV ' .. code .. ' ' .. cjson.encode(detail) })
end

local function claim_key(claim)
  return prefix .. ':claim:' .. claim
end

local function refs_key(claim)
  return prefix .. ':claim-refs:' .. claim
end

local function index_key(municipality_id)
  local all = prefix .. ':admin-index:' .. type_name
  if municipality_id then
    return all .. ':' .. municipality_id
  end
  return all
end

-- How another object ("type:id") is named in a conflict: its label, as its own change stored it.
local function label_of(holder)
  return redis.call('HGET', prefix .. ':admin:' .. holder, 'label') or holder
end

local function contains(list, value)
  for _, item in ipairs(list) do
    if item == value then
      return true
    end
  end
  return false
end

local function expect_type(key, wanted)
  local actual = redis.call('TYPE', key).ok
  if actual ~= 'none' and actual ~= wanted then
    reject('key_type', { key = key })
  end
end

local stored = read_hash(KEYS[1])
local version = 0
if stored then
  version = tonumber(stored.version)
end
if based_on == 0 and stored then
  reject('admin_exists', {})
end
if based_on ~= 0 and not stored then
  reject('admin_not_found', {})
end
if based_on ~= version then
  reject('version_mismatch', { version = version })
end

local old_claims, old_refs, new_claims, new_refs = {}, {}, {}, {}
if stored then
  old_claims, old_refs = cjson.decode(stored.claims), cjson.decode(stored.refs)
end
if not deleting then
  new_claims, new_refs = cjson.decode(ARGV[8]), cjson.decode(ARGV[9])
end

for _, claim in ipairs(new_claims) do
  local holder = redis.call('GET', claim_key(claim))
  if holder and holder ~= self then
    reject('claim_taken', { claim = claim, holder = holder, label = label_of(holder) })
  end
end
-- A value others point at (an extension a number routes to) is not given up under them.
for _, claim in ipairs(old_claims) do
  if not contains(new_claims, claim) then
    local referrer = redis.call('SRANDMEMBER', refs_key(claim))
    if referrer then
      reject('claim_in_use', { claim = claim, referrer = referrer, label = label_of(referrer) })
    end
  end
end
for _, claim in ipairs(new_refs) do
  if not redis.call('GET', claim_key(claim)) then
    reject('reference_missing', { claim = claim })
  end
end

expect_type(KEYS[1], 'hash')
expect_type(KEYS[2], 'string')
expect_type(KEYS[3], 'stream')
expect_type(index_key(nil), 'zset')
if stored then
  expect_type(index_key(stored.municipalityId), 'zset')
end
if not deleting then
  expect_type(index_key(ARGV[5]), 'zset')
end
for _, claim in ipairs(new_claims) do
  expect_type(claim_key(claim), 'string')
end
for _, list in ipairs({ old_refs, new_refs }) do
  for _, claim in ipairs(list) do
    expect_type(refs_key(claim), 'set')
  end
end

-- Checked; from here on only writes.

if stored then
  local member = stored.sortKey .. ' ' .. id
  redis.call('ZREM', index_key(nil), member)
  redis.call('ZREM', index_key(stored.municipalityId), member)
end
for _, claim in ipairs(old_claims) do
  if not contains(new_claims, claim) then
    redis.call('DEL', claim_key(claim))
  end
end
for _, claim in ipairs(old_refs) do
  if not contains(new_refs, claim) then
    redis.call('SREM', refs_key(claim), self)
  end
end

local new_version = 0
if deleting then
  redis.call('DEL', KEYS[1], KEYS[2])
else
  new_version = version + 1
  redis.call('HSET', KEYS[1],
    'version', new_version,
    'municipalityId', ARGV[5],
    'sortKey', ARGV[6],
    'label', ARGV[7],
    'claims', ARGV[8],
    'refs', ARGV[9],
    'doc', ARGV[10])
  if ARGV[11] ~= '' then
    redis.call('SET', KEYS[2], ARGV[11])
  end
  for _, claim in ipairs(new_claims) do
    redis.call('SET', claim_key(claim), self)
  end
  for _, claim in ipairs(new_refs) do
    redis.call('SADD', refs_key(claim), self)
  end
  local member = ARGV[6] .. ' ' .. id
  redis.call('ZADD', index_key(nil), 0, member)
  redis.call('ZADD', index_key(ARGV[5]), 0, member)
end

redis.call('XADD', KEYS[3], 'MINID', '~', ARGV[12], '*', unpack(ARGV, 13))
return new_version
