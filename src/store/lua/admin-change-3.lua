-- Creates, changes or deletes one versioned admin object (src/admin/versioned-store.ts) in one
-- step with everything that depends on it: the region-wide values it claims (an extension
-- number, an E.164 number), the claims of others it points at, its list indexes, its secret and
-- its audit entry (_admin.lua does the checking and the writing, as for an import). All checks,
-- including the type of every key written, come before the first write: Redis does not roll a
-- script back, so a refused change must not have begun.
--
-- KEYS[1] {p}:admin:{type}:{id}   KEYS[2] {p}:admin:{type}:{id}:secret
-- KEYS[3] {p}:audit:{municipalityId}, the stream of the change's audit entry
--   (the same keys as the change's key, secretKey and auditKey)
-- ARGV[1] key prefix
-- ARGV[2] the change, JSON (see _admin.lua)
--
-- Returns the object's new version (0 once deleted).
-- Fails (fail, _shared.lua) with the first problem _admin.lua's admin_check finds
-- (exists, not_found, version_mismatch {version}, claim_taken {claim, holder,
-- label}, claim_in_use {claim, referrer, label}, reference_missing {claim}), key_type {key}, or
-- import_switching {importId, expired} while an import switches over (the caller waits).
-- Not safe to blindly retry: a retry after a lost reply fails with version_mismatch (412),
-- which is the honest answer; it never applies a change twice.

local prefix = ARGV[1]
admin_assert_not_switching(prefix)
local change = admin_load(cjson.decode(ARGV[2]))

local problems = {}
admin_check(prefix, change, problems)
if #problems > 0 then
  fail(problems[1].code, problems[1].detail)
end
admin_check_key_types(prefix, change)

-- Checked; from here on only writes.

return admin_apply(prefix, change)
