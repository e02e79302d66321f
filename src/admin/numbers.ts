import type { AuditLog } from '../audit/audit-log.js';
import { type Principal, assertInScope } from '../auth/access.js';
import { diallingDenied } from '../dialling/dial-policy.js';
import type { AppError } from '../errors.js';
import { z } from '../validation/schema.js';
import type { FieldProblem } from '../validation/field-problems.js';
import { type RowProblem, importConflicts, invalidRows, rowProblemsOf } from '../import/row-problems.js';
import { formatForDisplay } from '../numbers/phone-number.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import type { DialPolicyReader } from './dial-policies.js';
import { ExtensionNumberSchema, MunicipalityIdSchema, PhoneNumberSchema, bodySchemas } from './fields.js';
import type { RegionRules } from './region-rules.js';
import { type BulkRow, type Patch, createVersionedStore, withPatch } from './versioned-store.js';

export const NumberTargetSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('extension'), extension: ExtensionNumberSchema }).strict(),
    z
      .object({ kind: z.literal('queue') })
      .strict()
      .openapi({ description: "The municipality's queue: an operator answers" }),
    z
      .object({ kind: z.literal('external'), number: PhoneNumberSchema })
      .strict()
      .openapi({ description: 'A number outside the region' }),
  ])
  .openapi('NumberTarget');

const numberFields = {
  number: PhoneNumberSchema,
  municipalityId: MunicipalityIdSchema,
  target: NumberTargetSchema,
};

export type NumberDoc = z.output<z.ZodObject<typeof numberFields>>;

export const numberBodies = bodySchemas(
  'Number',
  numberFields,
  'delete the number and create it in the other municipality',
);

/**
 * Direct-dial numbers (direktnummer) and where a call to one goes. A number lies in its
 * municipality's direct-dial ranges; main numbers and the regional number belong to the region
 * config, not here. A number routed to an extension points at it: the extension must exist, and
 * cannot be deleted or renumbered while the number routes to it. A number forwarded to an
 * external number is a call leaving the region at its municipality's cost: its municipality's
 * dial policy must allow the target for forwarded calls (409 dialling_denied), on every create,
 * change and import row; a policy changed later leaves stored numbers as they are (the SIP edge
 * decides again at each call).
 */
export function createNumberStore(
  redis: RedisClient,
  k: Keys,
  audit: AuditLog,
  rules: RegionRules,
  dialPolicies: Pick<DialPolicyReader, 'decide' | 'nameOf'>,
) {
  const schema = rules.memberObject(numberFields, (doc, m, ctx) => {
    rules.checkDirectDial(m, doc.number, ctx, ['number']);
    if (doc.target.kind === 'extension') rules.checkExtension(m, doc.target.extension, ctx, ['target', 'extension']);
    if (doc.target.kind === 'external') rules.checkExternal(doc.target.number, ctx, ['target', 'number']);
  });
  const store = createVersionedStore<NumberDoc>(redis, k, audit, {
    type: 'number',
    schema,
    sortKey: (doc) => doc.number,
    label: (doc) => `number ${formatForDisplay(doc.number)}`,
    claims: (doc) => [{ claim: `e164:${doc.number}`, field: 'number' }],
    refs: (doc) =>
      doc.target.kind === 'extension'
        ? [{ claim: `extension:${doc.target.extension}`, field: 'target.extension' }]
        : [],
    reservedBy: rules.reservedBy,
  });

  /**
   * The dial policy's refusal of a document's external target, if any. Judged only for a
   * document the store would otherwise take (of `importOf`, in an import) and in the actor's
   * scope, so that the store's own 400s and 403s come first. Not recorded as a dialling refusal:
   * nothing was dialled, and the admin sees the 409.
   */
  async function forwardRefusal(doc: unknown, actor: Principal, importOf?: string): Promise<AppError | undefined> {
    const parsed = schema.safeParse(doc);
    if (!parsed.success || parsed.data.target.kind !== 'external') return undefined;
    const { municipalityId, target } = parsed.data;
    if (importOf !== undefined && municipalityId !== importOf) return undefined;
    assertInScope(actor, municipalityId);
    const decision = await dialPolicies.decide(municipalityId, 'forwarded', target.number);
    return decision.allowed
      ? undefined
      : diallingDenied(decision, 'forwarded', dialPolicies.nameOf(municipalityId), {
          status: 409,
          field: 'body.target.number',
        });
  }

  return {
    ...store,

    async create(input: NumberDoc, actor: Principal) {
      const refused = await forwardRefusal(input, actor);
      if (refused) throw refused;
      return store.create(input, actor);
    },

    async update(id: string, basedOn: number, patch: Patch<NumberDoc>, actor: Principal) {
      const found = await store.get(id);
      // No such number, a stale version: the store says so. Like the ranges, the whole number is judged again at each change.
      const refused = found?.version === basedOn ? await forwardRefusal(withPatch(found.doc, patch), actor) : undefined;
      if (refused) throw refused;
      return store.update(id, basedOn, patch, actor);
    },

    /** As the store's, the dial policy's refusals listed with the other problems, as row problems (409 import_conflicts). */
    async bulkWrite(...args: Parameters<typeof store.bulkWrite>) {
      const [municipalityId, rows, mode, actor] = args;
      assertInScope(actor, municipalityId);
      const refusals = await Promise.all(
        rows.map((row: BulkRow<NumberDoc>) => forwardRefusal(row.input, actor, municipalityId)),
      );
      const denied: RowProblem[] = refusals.flatMap((error, row) =>
        error
          ? (error.details as FieldProblem[]).map((p) => ({
              row,
              field: p.field.replace(/^body\./, ''),
              problem: p.problem,
            }))
          : [],
      );
      if (denied.length === 0) return store.bulkWrite(...args);
      // Every problem at once: the store's own, found by a dry run, beside the policy's.
      try {
        await store.bulkWrite(municipalityId, rows, mode, actor, { dryRun: true });
      } catch (error) {
        const others = rowProblemsOf(error);
        if (!others) throw error;
        const all = [...others, ...denied].sort((a, b) => a.row - b.row);
        throw (error as AppError).status === 400 ? invalidRows(all) : importConflicts(all);
      }
      throw importConflicts(denied);
    },
  };
}

export type NumberStore = ReturnType<typeof createNumberStore>;
