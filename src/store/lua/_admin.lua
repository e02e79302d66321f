-- Checking and writing one change of a versioned admin object (src/admin/versioned-store.ts):
-- the object, the region-wide values it claims (an extension number, an E.164 number), the
-- claims of others it points at, its list indexes, its secret and its audit entry. Shared by
-- admin-change-3.lua (one change) and _import.lua (an import's rows, checked and written in
-- chunks, all or nothing); scripts.ts puts this file (after _shared.lua) in front of every
-- admin-*, import-* and directory-* script (the directory's share region_use_elsewhere and
-- admin_refs_key with the admin scripts).
--
-- A change, as versioned-store.ts sends it (JSON; every value a string or number, none null):
--   type, id           the object's type and id
--   key, secretKey     {p}:admin:{type}:{id} and {p}:admin:{type}:{id}:secret (keys.ts)
--   auditKey           {p}:audit:{municipalityId}, the stream of its audit entry
--   basedOn            the version the change is based on; 0 to create (the object must not exist)
--   unchanged          true for an import's row that writes nothing: only its version is checked
--   municipalityId     the object's municipality after the change, '' to delete it
--   sortKey            no spaces   label: names the object in other objects' conflicts
--   claims, refs       JSON arrays of "{kind}:{value}" (a string, stored as given); a ref
--                      "directory-entry:{id}" points at an entry of the object's municipality
--   doc                the object's document (JSON, stored as given)
--   secret             the secret to store, '' to keep the stored one
--   owned              deleting: JSON array of other keys that belong to the object and go with
--                      it (an extension's PIN hash, {p}:extension-pin:{id}); absent otherwise
--   minId              oldest audit stream id to keep (ms)   audit: the entry's fields, flat list
--
-- Use: admin_load each change, admin_check it (collecting problems), admin_check_key_types,
-- and only once every change passed, admin_apply each. Redis does not roll a script back, so
-- a refused change must not have begun.
--
-- Problems, { code, detail }: exists {}, not_found {}, version_mismatch {version},
-- claim_taken {claim, holder, label}, claim_in_use {claim, referrer, label}, reference_missing
-- {claim, municipalityId (of an entry that exists, but in another municipality)}. key_type {key}
-- (a key holds a type no admin script writes: corrupt data) is raised at once (fail, _shared.lua).

-- No single change is made while an import is checked and switched over (its fence,
-- {p}:import-switch, src/import/staged-import.ts): the import writes in many short steps, each
-- relying on what its checks saw. Fails with import_switching {importId, expired}; the
-- caller waits and tries again, and when the lease has run out (the importing process stopped)
-- it first finishes or discards that import (_import.lua).
local function admin_assert_not_switching(prefix)
  local fence = redis.call('HMGET', prefix .. ':import-switch', 'importId', 'leaseUntil')
  if fence[1] then
    fail('import_switching', { importId = fence[1], expired = (tonumber(fence[2]) or 0) < now_ms() })
  end
end

local function admin_claim_key(prefix, claim)
  return prefix .. ':claim:' .. claim
end

local function admin_refs_key(prefix, claim)
  return prefix .. ':claim-refs:' .. claim
end

-- Every object of a type, or (municipality_id given) one municipality's.
local function admin_index_key(prefix, type_name, municipality_id)
  local all = prefix .. ':admin-index:' .. type_name
  if municipality_id then
    return all .. ':' .. municipality_id
  end
  return all
end

-- How another object ("type:id") is named in a conflict: its label, as its own change stored it.
local function admin_label_of(prefix, holder)
  return redis.call('HGET', prefix .. ':admin:' .. holder, 'label') or holder
end

-- A member's name as the switchboard last synced it from config/region.yaml
-- ({p}:municipality:{id}, directory/directory-store.ts), else its kommunkod.
local function municipality_name(prefix, municipality_id)
  local json = redis.call('GET', prefix .. ':municipality:' .. municipality_id)
  return json and cjson.decode(json).name or municipality_id
end

-- A number or an extension is used in two places. The admin store claims it ({p}:claim:{claim},
-- "{type}:{id}"): an extension or a direct-dial number, owned for routing. The directory lists
-- it ({p}:directory:extensions|numbers, entry id; directory-*.lua): whom it reaches. Each
-- place keeps it unique by itself, and across the two it stays within one municipality: a
-- person's entry may show their own municipality's extension, never another's. This is that
-- one check, for both places (admin_check here; _directory.lua's entry_conflict there; both
-- through region_newly_used, below): the user of `claim` ("extension:2460123",
-- "e164:+4693514123") in the place other than `asking` ('admin' or 'directory') that belongs to
-- another municipality than `municipality_id`, as {holder ("{type}:{id}",
-- "directory-entry:{id}"), label, municipalityId}, or nil. The directory's key names here must
-- match src/store/keys.ts.
local function region_use_elsewhere(prefix, asking, claim, municipality_id)
  local holder, municipality, label
  if asking == 'directory' then
    holder = redis.call('GET', admin_claim_key(prefix, claim))
    if not holder then
      return nil
    end
    municipality, label = unpack(redis.call('HMGET', prefix .. ':admin:' .. holder, 'municipalityId', 'label'))
  else
    local kind, value = string.match(claim, '^([^:]+):(.*)$')
    local index = ({ extension = 'extensions', e164 = 'numbers' })[kind]
    local id = index and redis.call('HGET', prefix .. ':directory:' .. index, value)
    if not id then
      return nil
    end
    local entry = cjson.decode(redis.call('HGET', prefix .. ':directory:entries', id))
    holder, municipality, label = 'directory-entry:' .. id, entry.municipalityId, 'the directory entry ' .. entry.name .. ' (' .. id .. ')'
  end
  if not municipality or municipality == municipality_id then
    return nil
  end
  return { holder = holder, label = label .. ' of ' .. municipality_name(prefix, municipality), municipalityId = municipality }
end

-- The one check of a value across the two places, for an object (admin object or directory
-- entry) that lists `claim` after a change and listed `old_claims` before it: only a value
-- newly taken meets region_use_elsewhere, since one the object had was checked when it took it,
-- and data from before this check is no reason to refuse an unrelated change (a hänvisning set
-- mid-call).
local function region_newly_used(prefix, asking, claim, old_claims, municipality_id)
  if contains(old_claims, claim) then
    return nil
  end
  return region_use_elsewhere(prefix, asking, claim, municipality_id)
end

-- The one version rule of the versioned stores (admin objects, directory entries): why a change
-- based on version `based_on` (0: a new object; nil: whatever is stored, a deletion without
-- If-Match) cannot be made to what is stored at version `stored` (nil: nothing), as code and
-- detail (fail's), or nil: exists {}, not_found {}, version_mismatch {version: the stored one}.
local function version_problem(based_on, stored)
  if based_on == 0 then
    if stored then
      return 'exists', {}
    end
    return nil
  end
  if not stored then
    return 'not_found', {}
  end
  if based_on and based_on ~= stored then
    return 'version_mismatch', { version = stored }
  end
  return nil
end

-- Appends one audit entry (`fields`: src/audit/audit-log.ts's at, actor, action, objectType,
-- objectId, municipalityId, before, after, as a flat list) to the stream `key`, in the script
-- that makes the change, trimming roughly to `min_id` (ms): how both stores audit.
local function audit_append(key, min_id, fields)
  redis.call('XADD', key, 'MINID', '~', min_id, '*', unpack(fields))
end

-- Why a ref of an object of `municipality_id` points at nothing, as reference_missing's detail,
-- or nil: a claim nobody holds, or (directory-entry:{id}) no entry of that municipality.
local function admin_ref_missing(prefix, claim, municipality_id)
  local entry_id = string.match(claim, '^directory%-entry:(.+)$')
  if not entry_id then
    return not redis.call('GET', admin_claim_key(prefix, claim)) and { claim = claim } or nil
  end
  local json = redis.call('HGET', prefix .. ':directory:entries', entry_id)
  if not json then
    return { claim = claim }
  end
  local owner = cjson.decode(json).municipalityId
  return owner ~= municipality_id and { claim = claim, municipalityId = owner } or nil
end

local function admin_expect_type(key, wanted)
  local actual = redis.call('TYPE', key).ok
  if actual ~= 'none' and actual ~= wanted then
    fail('key_type', { key = key })
  end
end

-- Completes a (decoded) change with what it replaces: stored (the hash, or nil), version, and
-- the old and new claims and refs as lists.
local function admin_load(change)
  change.self = change.type .. ':' .. change.id
  change.deleting = change.municipalityId == ''
  change.stored = read_hash(change.key)
  change.version = 0
  change.old_claims, change.old_refs, change.new_claims, change.new_refs = {}, {}, {}, {}
  change.owned = change.owned and cjson.decode(change.owned) or {}
  if change.stored then
    change.version = tonumber(change.stored.version)
    change.old_claims, change.old_refs = cjson.decode(change.stored.claims), cjson.decode(change.stored.refs)
  end
  if not change.deleting and not change.unchanged then
    change.new_claims, change.new_refs = cjson.decode(change.claims), cjson.decode(change.refs)
  end
  return change
end

-- Appends to `problems` every reason the change cannot be made, in the order a single change
-- reports the first of them. After a version problem nothing else is checked: the change was
-- made from a stale read, so its claims say nothing.
local function admin_check(prefix, change, problems)
  local function problem(code, detail)
    problems[#problems + 1] = { code = code, detail = detail, change = change }
  end
  local code, detail = version_problem(change.basedOn, change.stored and change.version)
  if code then
    return problem(code, detail)
  end
  if change.unchanged then
    return
  end
  for _, claim in ipairs(change.new_claims) do
    local holder = redis.call('GET', admin_claim_key(prefix, claim))
    if holder and holder ~= change.self then
      problem('claim_taken', { claim = claim, holder = holder, label = admin_label_of(prefix, holder) })
    else
      local user = region_newly_used(prefix, 'admin', claim, change.old_claims, change.municipalityId)
      if user then
        problem('claim_taken', { claim = claim, holder = user.holder, label = user.label })
      end
    end
  end
  -- A value others point at (an extension a number routes to) is not given up under them.
  for _, claim in ipairs(change.old_claims) do
    if not contains(change.new_claims, claim) then
      local referrer = redis.call('SRANDMEMBER', admin_refs_key(prefix, claim))
      if referrer then
        problem('claim_in_use', { claim = claim, referrer = referrer, label = admin_label_of(prefix, referrer) })
      end
    end
  end
  for _, claim in ipairs(change.new_refs) do
    local missing = admin_ref_missing(prefix, claim, change.municipalityId)
    if missing then
      problem('reference_missing', missing)
    end
  end
end

-- Every key the change would write must hold the type it writes, or nothing.
local function admin_check_key_types(prefix, change)
  if change.unchanged then
    return
  end
  admin_expect_type(change.key, 'hash')
  admin_expect_type(change.secretKey, 'string')
  for _, key in ipairs(change.owned) do
    admin_expect_type(key, 'string')
  end
  admin_expect_type(change.auditKey, 'stream')
  admin_expect_type(admin_index_key(prefix, change.type), 'zset')
  if change.stored then
    admin_expect_type(admin_index_key(prefix, change.type, change.stored.municipalityId), 'zset')
  end
  if not change.deleting then
    admin_expect_type(admin_index_key(prefix, change.type, change.municipalityId), 'zset')
  end
  for _, claim in ipairs(change.new_claims) do
    admin_expect_type(admin_claim_key(prefix, claim), 'string')
  end
  for _, list in ipairs({ change.old_refs, change.new_refs }) do
    for _, claim in ipairs(list) do
      admin_expect_type(admin_refs_key(prefix, claim), 'set')
    end
  end
end

-- Writes a checked change and its audit entry; returns the object's new version (0 once deleted).
local function admin_apply(prefix, change)
  if change.unchanged then
    return change.version
  end
  local all = admin_index_key(prefix, change.type)
  if change.stored then
    local member = change.stored.sortKey .. ' ' .. change.id
    redis.call('ZREM', all, member)
    redis.call('ZREM', admin_index_key(prefix, change.type, change.stored.municipalityId), member)
  end
  for _, claim in ipairs(change.old_claims) do
    if not contains(change.new_claims, claim) then
      redis.call('DEL', admin_claim_key(prefix, claim))
    end
  end
  for _, claim in ipairs(change.old_refs) do
    if not contains(change.new_refs, claim) then
      redis.call('SREM', admin_refs_key(prefix, claim), change.self)
    end
  end

  local new_version = 0
  if change.deleting then
    redis.call('DEL', change.key, change.secretKey)
    for _, key in ipairs(change.owned) do
      redis.call('DEL', key)
    end
  else
    new_version = change.version + 1
    redis.call('HSET', change.key,
      'version', new_version,
      'municipalityId', change.municipalityId,
      'sortKey', change.sortKey,
      'label', change.label,
      'claims', change.claims,
      'refs', change.refs,
      'doc', change.doc)
    if change.secret ~= '' then
      redis.call('SET', change.secretKey, change.secret)
    end
    for _, claim in ipairs(change.new_claims) do
      redis.call('SET', admin_claim_key(prefix, claim), change.self)
    end
    for _, claim in ipairs(change.new_refs) do
      redis.call('SADD', admin_refs_key(prefix, claim), change.self)
    end
    local member = change.sortKey .. ' ' .. change.id
    redis.call('ZADD', all, 0, member)
    redis.call('ZADD', admin_index_key(prefix, change.type, change.municipalityId), 0, member)
  end

  audit_append(change.auditKey, change.minId, change.audit)
  -- Every admin change raises {p}:admin-version: what callers meet (hours, policies, texts) is
  -- cached per app instance until it changes (media/arrival/arrival-config.ts).
  redis.call('INCR', prefix .. ':admin-version')
  return new_version
end
