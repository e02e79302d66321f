import { z } from 'zod';
import type { AdminStores } from '../admin/index.js';
import { tokenRecordSchema } from '../auth/token-store.js';
import { directoryEntrySchema } from '../directory/entries/entry-schema.js';
import { HASHED_PIN } from '../self-service/extension-pins.js';

/**
 * The one file `vaxel backup` writes and `vaxel restore` reads: everything an administrator
 * has configured in the region, as JSON (docs/backup.md describes each field). Each kind of
 * object is checked on restore by the schema its API uses; this module only adds the envelope.
 */

export const BACKUP_FORMAT = 'regionvaxel-backup';
/**
 * Raised when a section is added, a field changes meaning or a section becomes required, so an
 * older vaxel refuses a newer file by its version rather than by a field it does not know.
 * 2: `extensionPins`.
 */
export const BACKUP_FORMAT_VERSION = 2;
/** The versions restore reads: a file of an older one lacks only sections that default to empty (1: no PINs). */
export const READABLE_FORMAT_VERSIONS = [1, 2] as const;

const HEX16 = /^[0-9a-f]{16}$/;
/** A Redis stream id ("1733356800000-0"): audit entries keep theirs, so their order and times stay. */
const STREAM_ID = /^\d+-\d+$/;

/** An object of one admin kind as stored: its document passes that kind's schema (the API's). */
const adminObjectSchema = (doc: z.ZodType) =>
  z.strictObject({
    id: z.string().regex(/^(?:[0-9a-f]{16}|\d{4})$/, 'must be 16 hex digits or a kommunkod'),
    version: z.number().int().positive(),
    doc,
    /** An extension's SIP digest HA1 (never a password). */
    secret: z
      .string()
      .regex(/^[0-9a-f]{32}$/, 'must be an MD5 digest (32 hex digits)')
      .optional(),
  });

/** An ended call record as its hash holds it, with its places in the call indexes (statistics read them). */
const callSchema = z.strictObject({
  id: z.string().min(1),
  fields: z
    .record(z.string(), z.string())
    .refine((fields) => fields.state === 'ended', { message: 'must be an ended call (state "ended")' }),
  /** Its score in {p}:calls:by-time. */
  byTime: z.number(),
  /** The municipality indexes ({p}:calls:by-municipality:{id}) holding it, with its score there. */
  byMunicipality: z.array(z.strictObject({ municipalityId: z.string().regex(/^\d{4}$/), score: z.number() })),
});

const auditEntrySchema = z.strictObject({
  id: z.string().regex(STREAM_ID, 'must be a Redis stream id ("1733356800000-0")'),
  fields: z.record(z.string(), z.string()),
});

/** The file's schema, with each admin kind's document checked by its store's own schema. */
export function backupFileSchema(admin: AdminStores) {
  const kinds = Object.values(admin);
  return z.strictObject({
    format: z.literal(BACKUP_FORMAT, { error: `must be "${BACKUP_FORMAT}": this is not a Regionväxeln backup` }),
    formatVersion: z.literal(READABLE_FORMAT_VERSIONS, {
      error: `must be ${READABLE_FORMAT_VERSIONS.join(' or ')}: this vaxel reads backups of those format versions only`,
    }),
    createdAt: z.iso.datetime(),
    /** The key prefix backed up (REDIS_PREFIX); informative, a restore writes under its own. */
    prefix: z.string(),
    /** The members as configured when it was taken; informative (the objects are checked against today's config). */
    municipalities: z.array(z.string()),
    admin: z.strictObject(
      Object.fromEntries(
        kinds.map((store) => [store.type, z.array(adminObjectSchema(store.schema as z.ZodType)).default([])]),
      ),
    ),
    /** Extension id → its PIN's salted scrypt hash (self-service/extension-pins.ts), never a PIN: staff sign in after a restore as before. */
    extensionPins: z
      .record(
        z.string().regex(HEX16, 'must be an extension id (16 hex digits)'),
        z.string().regex(HASHED_PIN, 'must be a PIN hash "salt:hash" (32 and 64 hex digits), never a PIN'),
      )
      .default({}),
    /** Entries as stored; restore checks their content with the API's input schema too. */
    directory: z.array(directoryEntrySchema.strict()).default([]),
    /** By hash only: a token itself is never stored, so never in a backup. */
    tokens: z
      .array(
        z.strictObject({
          sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 (64 hex digits)'),
          record: tokenRecordSchema,
        }),
      )
      .default([]),
    /** Operator token id → the operator account it logged in as (statistics name calls by account). */
    tokenAccounts: z.record(z.string().regex(HEX16), z.string().regex(HEX16)).default({}),
    /** With `vaxel backup --with-calls`. */
    calls: z.array(callSchema).optional(),
    /** With `vaxel backup --with-audit`: each stream ("region" or a kommunkod) with its entries, oldest first. */
    audit: z.record(z.string().regex(/^(?:region|\d{4})$/), z.array(auditEntrySchema)).optional(),
  });
}

export type BackupFile = z.output<ReturnType<typeof backupFileSchema>>;
export type BackupCall = z.output<typeof callSchema>;
export type BackupAuditEntry = z.output<typeof auditEntrySchema>;
