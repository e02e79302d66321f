import { createHash } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import { entryIdSchema } from '../directory/entries/entry-schema.js';
import { z } from '../validation/schema.js';
import { invalidFields } from '../validation/field-problems.js';
import type { StagedImportOptions } from '../import/staged-import.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { ExtensionNumberSchema, MunicipalityIdSchema, PhoneNumberSchema, bodySchemas } from './fields.js';
import type { RegionRules } from './region-rules.js';
import { createVersionedStore } from './versioned-store.js';

/** Realm of the SIP digest when none is configured (SIP_REALM): part of every stored HA1, so fixed per deployment. */
export const DEFAULT_SIP_REALM = 'regionvaxel';

const extensionFields = {
  extension: ExtensionNumberSchema,
  displayName: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  municipalityId: MunicipalityIdSchema,
  directNumber: PhoneNumberSchema.optional(),
  directoryEntryId: entryIdSchema.optional().openapi({
    description:
      'The directory entry (person, function) of the same municipality this extension belongs to; the entry cannot be deleted while linked',
  }),
};

const PasswordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(128, 'must be at most 128 characters')
  .openapi({
    format: 'password',
    writeOnly: true,
    description: "The SIP password of the extension's phone; never shown again",
  });

export type ExtensionDoc = z.output<z.ZodObject<typeof extensionFields>>;
export type ExtensionInput = ExtensionDoc & { password?: string | undefined };

export const extensionBodies = bodySchemas<
  typeof extensionFields & { password: typeof PasswordSchema },
  ExtensionInput
>(
  'Extension',
  { ...extensionFields, password: PasswordSchema },
  'delete the extension and create it in the other municipality',
);

/** HA1 of SIP digest authentication (RFC 2617): what a registrar needs, and all that is kept of a password. */
export function sipDigestHa1(username: string, realm: string, password: string): string {
  return createHash('md5').update(`${username}:${realm}:${password}`).digest('hex');
}

/**
 * Extensions (anknytningar): a number unique in the region within its municipality's extension
 * ranges, optionally a direct-dial number of that municipality and a link to the directory
 * entry of the person or function, and SIP credentials of which only the HA1 digest is stored,
 * beside the extension and never in it.
 */
export function createExtensionStore(
  redis: RedisClient,
  k: Keys,
  audit: AuditLog,
  rules: RegionRules,
  { sipRealm, imports }: { sipRealm: string; imports?: StagedImportOptions },
) {
  const store = createVersionedStore<ExtensionDoc, ExtensionInput>(
    redis,
    k,
    audit,
    {
      type: 'extension',
      schema: rules.memberObject(extensionFields, (doc, m, ctx) => {
        rules.checkExtension(m, doc.extension, ctx, ['extension']);
        if (doc.directNumber) rules.checkDirectDial(m, doc.directNumber, ctx, ['directNumber']);
      }),
      toDraft({ password, ...doc }, current) {
        // The digest includes the username (the extension number), so a new number needs the password again.
        if (password === undefined && current?.extension !== doc.extension) {
          throw invalidFields([
            {
              field: 'body.password',
              problem: current
                ? 'is needed when the extension number changes (the SIP digest includes it)'
                : 'is required',
            },
          ]);
        }
        return { doc, secret: password === undefined ? undefined : sipDigestHa1(doc.extension, sipRealm, password) };
      },
      sortKey: (doc) => doc.extension,
      label: (doc) => `extension ${doc.extension} (${doc.displayName})`,
      claims: (doc) => [
        { claim: `extension:${doc.extension}`, field: 'extension' },
        ...(doc.directNumber ? [{ claim: `e164:${doc.directNumber}`, field: 'directNumber' }] : []),
      ],
      // The link is a ref like a number's to its extension: the entry must exist (in this municipality, _admin.lua) and cannot be deleted while linked.
      refs: (doc) =>
        doc.directoryEntryId === undefined
          ? []
          : [{ claim: `directory-entry:${doc.directoryEntryId}`, field: 'directoryEntryId' }],
      reservedBy: rules.reservedBy,
      // Its person's PIN (self-service/extension-pins.ts) is keyed by the id, so renumbering keeps it; it goes with the extension.
      ownedKeys: (id) => [k.extensionPin(id)],
    },
    { imports },
  );

  return {
    ...store,
    /** For the SIP registrar: the digest credentials of an extension, or undefined when there is no such extension. */
    async sipCredentials(extension: string): Promise<{ username: string; realm: string; ha1: string } | undefined> {
      const ha1 = await store.secretByClaim(`extension:${extension}`);
      return ha1 === undefined ? undefined : { username: extension, realm: sipRealm, ha1 };
    },
  };
}

export type ExtensionStore = ReturnType<typeof createExtensionStore>;
