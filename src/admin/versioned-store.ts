import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import { type Principal, assertInScope } from '../auth/access.js';
import { AppError } from '../errors.js';
import { type FieldProblem, invalidFields, invalidRequest } from '../validation/field-problems.js';
import { assertNoRowProblems, repeatsWithin, type RowProblem } from '../import/row-problems.js';
import {
  createStagedImports,
  forEachRow,
  readInSlices,
  type ImportProgress,
  type StagedImportOptions,
  type StagedOp,
} from '../import/staged-import.js';
import type { Keys } from '../store/keys.js';
import { lexPage } from '../store/lex-page.js';
import type { RedisClient } from '../store/redis-client.js';
import type { Claim } from './claim.js';
import { runScript } from '../store/scripts.js';
import {
  type ChangeSubject,
  type CheckProblem,
  changeFailure,
  conflict,
  importProblem,
  showClaim,
  staleVersion,
} from './change-errors.js';

/**
 * One store for every kind of object an administrator keeps (extensions, numbers, and the
 * kinds to come): each belongs to a municipality, has a version that every change raises, and
 * may claim values that must be unique in the whole region. A change is one Lua script
 * (store/lua/admin-change-3.lua) that checks the version and the claims and writes the object, its
 * claims, its indexes and its audit entry together, or nothing at all. An import (bulkWrite)
 * makes the same checks and writes for every row (store/lua/_admin.lua), all or nothing, in
 * chunks of short scripts (import/staged-import.ts).
 */

export interface ResourceSpec<Doc extends { municipalityId: string }, Input> {
  /** Singular, lower case ("extension"): in key names, the audit log's object type and messages. */
  type: string;
  /** The whole object, checked after every merge; its output is what is stored. */
  schema: z.ZodType<Doc>;
  /** Splits what a caller sent (the stored object with a change merged in) into the document and its secret. */
  toDraft?(input: Input, current: Doc | undefined): Draft;
  /** Lists are in this order; no spaces (it is half of an index member). */
  sortKey(doc: Doc): string;
  /** Names the object in messages, its own and other objects' ("extension 2460123 (Anna Berg)"). */
  label(doc: Doc): string;
  /** Values only this object may hold. */
  claims(doc: Doc): Claim[];
  /** Claims of other objects this one points at, or "directory-entry:<id>" (an entry of its municipality): they must exist, and cannot go while pointed at. */
  refs?(doc: Doc): Claim[];
  /** What outside the store already holds a claimed value (the region config's main numbers), if anything. */
  reservedBy?(claim: string): string | undefined;
  /** The id of a new object from what was sent, for kinds with one object per municipality (its kommunkod); random otherwise. */
  idOf?(input: Input): string;
  /** Keys that belong to the object beside its secret and go in the same script when it is deleted (an extension's PIN hash). */
  ownedKeys?(id: string): string[];
  /** What GET shows, as version 0, while nothing is stored under the id (the region config's opening hours); a change based on it stores it. */
  seed?(id: string): Doc | undefined;
}

/** Spread into a spec of a kind with one object per municipality (weekly hours, greeting): id and list order are the kommunkod, nothing claimed. */
export const onePerMunicipality = {
  idOf: (input: { municipalityId: string }): string => input.municipalityId,
  sortKey: (doc: { municipalityId: string }): string => doc.municipalityId,
  claims: (): Claim[] => [],
};

/** A document before validation, with the secret to store beside it (undefined keeps the stored one). */
export interface Draft {
  doc: unknown;
  secret?: string | undefined;
}

export interface Versioned<Doc> {
  id: string;
  version: number;
  doc: Doc;
}

export interface ListQuery {
  municipalityId?: string | undefined;
  limit: number;
  /** From the previous page's nextCursor. */
  cursor?: string | undefined;
}

export interface Page<Doc> {
  items: Versioned<Doc>[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/** A change to an object: the fields given replace the stored ones whole; null removes an optional field. */
export type Patch<Input> = { [K in keyof Input]?: Input[K] | null };

/** A stored document with a change applied, as update() merges them: the fields given replace, null removes. */
export function withPatch(doc: object, patch: object): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...doc };
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete merged[field];
    else if (value !== undefined) merged[field] = value;
  }
  return merged;
}

/** A row of an import (bulkWrite): the id of an object of the import's municipality to change, or none to create one. */
export interface BulkRow<Input> {
  id?: string | undefined;
  input: Input;
}

export interface BulkResult<Doc> {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** The rows as stored (on a dry run: as they would be), in row order. */
  items: Versioned<Doc>[];
}

/** A change checked by plan(): what it replaces, and what it leaves (next undefined: a deletion). */
interface Planned<Doc> {
  id: string;
  current: Versioned<Doc> | undefined;
  next: Doc | undefined;
  secret: string | undefined;
  /** The same document and no new secret: nothing to write. */
  unchanged: boolean;
}

/** A change as the admin scripts take it, JSON (store/lua/_admin.lua describes the fields). */
interface ScriptChange {
  type: string;
  id: string;
  key: string;
  secretKey: string;
  auditKey: string;
  basedOn: number;
  unchanged?: true;
  municipalityId?: string;
  sortKey?: string;
  label?: string;
  claims?: string;
  refs?: string;
  doc?: string;
  secret?: string;
  owned?: string;
  minId?: string;
  audit?: string[];
}

/** 16 random hex digits, or the kommunkod of a kind with one object per municipality (spec.idOf). */
export const OBJECT_ID = /^(?:[0-9a-f]{16}|\d{4})$/;
/** A member of a list index: "<sortKey> <id>". */
const INDEX_MEMBER = /^\S+ (?:[0-9a-f]{16}|\d{4})$/;
/** Objects an import reads at once (one pipeline), before it plans its rows. */
const READ_SLICE = 500;

export function createVersionedStore<Doc extends { municipalityId: string }, Input = Doc>(
  redis: RedisClient,
  k: Keys,
  audit: AuditLog,
  spec: ResourceSpec<Doc, Input>,
  { imports: importOptions }: { imports?: StagedImportOptions } = {},
) {
  const { type } = spec;
  const imports = createStagedImports(redis, k, importOptions);
  const notFound = (id: string) => new AppError(404, `${type}_not_found`, `No ${type} has the id ${id}`);

  /** The id of the object of this store's type holding `claim` ("extension:2460123"), if one does. */
  async function idByClaim(claim: string): Promise<string | undefined> {
    const holder = await redis.get(k.claim(claim));
    return holder?.startsWith(`${type}:`) ? holder.slice(type.length + 1) : undefined;
  }

  async function get(id: string): Promise<Versioned<Doc> | undefined> {
    const [version, doc] = await redis.hmGet(k.adminObject(type, id), ['version', 'doc']);
    if (version && doc) return { id, version: Number(version), doc: JSON.parse(doc) as Doc };
    const seeded = spec.seed?.(id);
    return seeded && { id, version: 0, doc: seeded };
  }

  /** The objects of `ids` (undefined where none is given), a slice at a time (readInSlices). */
  const getMany = (ids: readonly (string | undefined)[]): Promise<(Versioned<Doc> | undefined)[]> =>
    readInSlices(ids, READ_SLICE, (slice) => Promise.all(slice.map((id) => (id === undefined ? undefined : get(id)))));

  /** Audit entries show the object as the API does: never its secret, which is not in the document. */
  const audited = (version: number, doc: Doc) => ({ version, ...doc });

  /**
   * Checks a change as far as can be done without Redis (the document, the scope, the claims the
   * region config holds) and says what it would write; `importOf` is the municipality of an
   * import, which every row must belong to. Throws the AppError of the first problem.
   */
  function plan(
    actor: Principal,
    id: string,
    current: Versioned<Doc> | undefined,
    draft: Draft | undefined,
    importOf?: string,
  ): Planned<Doc> {
    let next: Doc | undefined;
    if (draft) {
      const parsed = spec.schema.safeParse(draft.doc);
      if (!parsed.success) throw invalidRequest(parsed.error.issues, 'json');
      next = parsed.data;
      if (importOf !== undefined && next.municipalityId !== importOf) {
        throw invalidFields([
          { field: 'body.municipalityId', problem: `is ${next.municipalityId}, but the import is for ${importOf}` },
        ]);
      }
      if (current && next.municipalityId !== current.doc.municipalityId) {
        throw invalidFields([
          {
            field: 'body.municipalityId',
            problem: `cannot be changed (from ${current.doc.municipalityId}): delete the ${type} and create it in the other municipality`,
          },
        ]);
      }
      assertInScope(actor, next.municipalityId);
      for (const { claim, field } of spec.claims(next)) {
        const holder = spec.reservedBy?.(claim);
        if (holder) throw conflict('claim_taken', field, `${showClaim(claim)} is already ${holder}`);
      }
    }
    // A change that changes nothing would only raise the version and fill the audit log.
    const unchanged =
      !!current && !!next && draft?.secret === undefined && JSON.stringify(next) === JSON.stringify(current.doc);
    return { id, current, next, secret: draft?.secret, unchanged };
  }

  /** How a change is named in its refusals. */
  function subject({ id, current, next }: Planned<Doc>): ChangeSubject {
    const refs = next ? (spec.refs?.(next) ?? []) : [];
    const claims = [...(next ? spec.claims(next) : []), ...(current ? spec.claims(current.doc) : [])];
    return {
      id,
      type,
      label: spec.label((next ?? current?.doc)!),
      deleting: !next,
      basedOn: current?.version ?? 0,
      claims,
      refs,
    };
  }

  /** The change as the admin scripts take it (store/lua/_admin.lua), with its audit entry. */
  function scripted(actor: Principal, { id, current, next, secret, unchanged }: Planned<Doc>): ScriptChange {
    const basedOn = current?.version ?? 0;
    const keys = { type, id, key: k.adminObject(type, id), secretKey: k.adminSecret(type, id), basedOn };
    if (unchanged) return { ...keys, auditKey: k.audit(current!.doc.municipalityId), unchanged: true };
    const entry = audit.entry(actor, {
      action: !current?.version ? 'create' : next ? 'update' : 'delete',
      object: { type, id },
      municipalityId: (next ?? current!.doc).municipalityId,
      ...(current ? { before: audited(current.version, current.doc) } : {}),
      ...(next ? { after: audited(basedOn + 1, next) } : {}),
    });
    return {
      ...keys,
      auditKey: entry.key,
      municipalityId: next?.municipalityId ?? '',
      sortKey: next ? spec.sortKey(next) : '',
      label: next ? spec.label(next) : '',
      claims: JSON.stringify(next ? spec.claims(next).map((c) => c.claim) : []),
      refs: JSON.stringify(next ? (spec.refs?.(next) ?? []).map((c) => c.claim) : []),
      doc: next ? JSON.stringify(next) : '',
      secret: secret ?? '',
      ...(next ? {} : { owned: JSON.stringify(spec.ownedKeys?.(id) ?? []) }),
      minId: String(entry.minId),
      audit: Object.entries(entry.fields).flat(),
    };
  }

  /** What a stored change leaves: the object as it is now (undefined once deleted). */
  const outcome = ({ id, current, next, unchanged }: Planned<Doc>): Versioned<Doc> | undefined =>
    unchanged ? current : next && { id, version: (current?.version ?? 0) + 1, doc: next };

  async function write(
    actor: Principal,
    id: string,
    current: Versioned<Doc> | undefined,
    draft: Draft | undefined,
  ): Promise<Versioned<Doc> | undefined> {
    const planned = plan(actor, id, current, draft);
    if (planned.unchanged) return current;
    const change = scripted(actor, planned);
    // Waits while an import switches over (the change's audit time is when it was asked for).
    const pending = imports.pastSwitch(() =>
      redis.adminChange([change.key, change.secretKey, change.auditKey], [k.prefix, JSON.stringify(change)]),
    );
    const version = Number(
      await runScript(pending, (failure) => changeFailure(failure, { ...subject(planned), notFound })),
    );
    return planned.next && { id, version, doc: planned.next };
  }

  /** The stored object, or 404; a municipality admin may only change their own municipality's. */
  async function current(id: string, actor: Principal, basedOn: number): Promise<Versioned<Doc>> {
    const found = await get(id);
    if (!found) throw notFound(id);
    assertInScope(actor, found.doc.municipalityId);
    // Checked here too so that a stale change is refused before its body is judged; the script checks again.
    if (found.version !== basedOn) throw staleVersion(type, id, found.version, basedOn);
    return found;
  }

  const toDraft = (input: Input, currentDoc: Doc | undefined): Draft =>
    spec.toDraft?.(input, currentDoc) ?? { doc: input };
  const newId = (input: Input): string => spec.idOf?.(input) ?? randomBytes(8).toString('hex');

  return {
    type,
    get,

    async create(input: Input, actor: Principal): Promise<Versioned<Doc>> {
      return (await write(actor, newId(input), undefined, toDraft(input, undefined)))!;
    },

    /** Changes the object at version `basedOn` (the caller's If-Match); any other version is a 412. */
    async update(id: string, basedOn: number, patch: Patch<Input>, actor: Principal): Promise<Versioned<Doc>> {
      const found = await current(id, actor, basedOn);
      return (await write(actor, id, found, toDraft(withPatch(found.doc, patch) as Input, found.doc)))!;
    },

    async remove(id: string, basedOn: number, actor: Principal): Promise<Versioned<Doc>> {
      const found = await current(id, actor, basedOn);
      // A seed is not stored, so there is nothing to delete: GET shows it again anyway.
      if (found.version === 0)
        throw new AppError(
          404,
          `${type}_not_stored`,
          `Nothing is stored for the ${type} ${id}: it shows what the region config says`,
        );
      await write(actor, id, found, undefined);
      return found;
    },

    /**
     * An import, all or nothing (staged, checked and written in chunks of short scripts:
     * import/staged-import.ts): each row creates an object (no id) or changes one of the
     * municipality's (its id; the version is the stored one), checked as create and update
     * check theirs; replace mode deletes the municipality's other objects. Every problem of
     * every row is reported at once: rows wrong in themselves or against each other, and rows
     * against what is stored (the scripts check the rows right in themselves); invalid_rows
     * (400) when any is of the first kind, else import_conflicts (409). A dry run checks
     * everything, the scripts' checks too, and writes nothing. See docs/decisions.md, "Bulk writes".
     */
    async bulkWrite(
      municipalityId: string,
      rows: readonly BulkRow<Input>[],
      mode: 'replace' | 'upsert',
      actor: Principal,
      { dryRun = false, onProgress }: { dryRun?: boolean; onProgress?: ImportProgress | undefined } = {},
    ): Promise<BulkResult<Doc>> {
      assertInScope(actor, municipalityId);
      const found = await getMany(rows.map((row) => row.id));
      const invalid: RowProblem[] = [];
      const conflicts: RowProblem[] = [];
      const planned: (Planned<Doc> | undefined)[] = rows.map(() => undefined);
      await forEachRow(rows, (row, index) => {
        const current = found[index];
        if (row.id !== undefined && current?.doc.municipalityId !== municipalityId) {
          invalid.push({ row: index, field: 'id', problem: `no ${type} of ${municipalityId} has the id ${row.id}` });
          return;
        }
        try {
          planned[index] = plan(
            actor,
            row.id ?? newId(row.input),
            current,
            toDraft(row.input, current?.doc),
            municipalityId,
          );
        } catch (error) {
          if (!(error instanceof AppError) || (error.status !== 400 && error.status !== 409)) throw error;
          const problems = (error.details as FieldProblem[] | undefined) ?? [{ field: '', problem: error.message }];
          (error.status === 400 ? invalid : conflicts).push(
            ...problems.map((p) => ({ row: index, field: p.field.replace(/^body\./, ''), problem: p.problem })),
          );
        }
      });
      // The same id or claimed value twice in one import: the later rows name the first.
      invalid.push(
        ...repeatsWithin(
          planned.map((p) => p && { id: p.id, claims: spec.claims(p.next!) }),
          showClaim,
        ),
      );

      // A row with a problem is not written, but the object it names is sent as kept (only its
      // version checked), so that replace mode does not count it among those to delete.
      const bad = new Set([...invalid, ...conflicts].map((p) => p.row));
      const changes = planned.flatMap((p, row) => {
        if (p && !bad.has(row)) return [{ planned: p, row }];
        const current = found[row];
        return current?.version && current.doc.municipalityId === municipalityId
          ? [{ planned: { id: current.id, current, next: current.doc, secret: undefined, unchanged: true }, row }]
          : [];
      });
      if (mode === 'replace') {
        const kept = new Set(changes.map((c) => c.planned.id));
        const others = (await redis.zRange(k.adminIndex(type, municipalityId), 0, -1)).map((member) =>
          member.slice(member.lastIndexOf(' ') + 1),
        );
        for (const current of await getMany(others.filter((id) => !kept.has(id)))) {
          if (current?.version) changes.push({ planned: plan(actor, current.id, current, undefined), row: -1 });
        }
      }
      const ops: StagedOp[] = [];
      await forEachRow(changes, (c) =>
        ops.push({ op: 'admin', row: c.row, id: c.planned.id, change: scripted(actor, c.planned) }),
      );
      // With problems found here, the stored data is only checked (a dry run), so that all are listed.
      const checked = await imports.run(
        {
          kind: type,
          municipalityId,
          actor: actor.name,
          ops,
          coverIndex: mode === 'replace' ? k.adminIndex(type, municipalityId) : undefined,
          context: {},
        },
        { checkOnly: dryRun || bad.size > 0, onProgress },
      );
      const byId = new Map(changes.map((c) => [c.planned.id, c.planned]));
      for (const p of checked.problems as unknown as (CheckProblem & { row: number; id: string })[])
        conflicts.push(importProblem(p.row, p, subject(byId.get(p.id)!)));
      // Objects of the municipality created since their index was read: replace mode would keep them unseen.
      for (const id of checked.uncovered) {
        const added = await get(id);
        const label = added ? spec.label(added.doc) : `${type} ${id}`;
        conflicts.push(
          importProblem(
            -1,
            { code: 'admin_added' },
            { id, type, label, deleting: false, basedOn: 0, claims: [], refs: [] },
          ),
        );
      }
      assertNoRowProblems(invalid, conflicts);

      const count = (test: (p: Planned<Doc>) => boolean) => changes.filter((c) => c.row >= 0 && test(c.planned)).length;
      return {
        created: count((p) => !p.unchanged && !p.current?.version),
        updated: count((p) => !p.unchanged && !!p.current?.version),
        unchanged: count((p) => p.unchanged),
        deleted: changes.length - rows.length,
        items: planned.map((p) => outcome(p!)!),
      };
    },

    /** In sortKey order; a page is read from the index first, so an object deleted meanwhile is left out. */
    async list({ municipalityId, limit, cursor }: ListQuery): Promise<Page<Doc>> {
      const { members, nextCursor } = await lexPage(
        redis,
        k.adminIndex(type, municipalityId),
        { cursor, limit },
        INDEX_MEMBER,
      );
      const items = (await Promise.all(members.map((member) => get(member.slice(member.lastIndexOf(' ') + 1))))).filter(
        (item) => item !== undefined,
      );
      return { items, ...(nextCursor ? { nextCursor } : {}) };
    },

    /** The secret of the object holding `claim`, if that object is of this store's type. */
    async secretByClaim(claim: string): Promise<string | undefined> {
      const id = await idByClaim(claim);
      return id === undefined ? undefined : ((await redis.get(k.adminSecret(type, id))) ?? undefined);
    },

    idByClaim,

    /** The schema every stored document of this kind passes (a restored one too: backup/). */
    schema: spec.schema,

    /** Every stored object with its secret, in list order, a slice at a time (a backup: backup/). */
    async backupObjects(): Promise<(Versioned<Doc> & { secret?: string })[]> {
      const ids = (await redis.zRange(k.adminIndex(type), 0, -1)).map((member) =>
        member.slice(member.lastIndexOf(' ') + 1),
      );
      const objects = (await getMany(ids)).filter((object) => object !== undefined);
      const secrets = objects.length === 0 ? [] : await redis.mGet(objects.map(({ id }) => k.adminSecret(type, id)));
      return objects.map((object, i) => (secrets[i] ? { ...object, secret: secrets[i] } : object));
    },

    /**
     * The commands that store a backed-up object as it was, at its version, with its claims,
     * refs and indexes, as admin_apply (store/lua/_admin.lua) writes them; `doc` has passed
     * `schema`. No audit entry: the restore audits itself once (backup/restore-backup.ts).
     */
    restoreCommands({ id, version, doc, secret }: Versioned<Doc> & { secret?: string | undefined }): string[][] {
      const self = `${type}:${id}`;
      const claims = spec.claims(doc).map((c) => c.claim);
      const refs = (spec.refs?.(doc) ?? []).map((c) => c.claim);
      const member = `${spec.sortKey(doc)} ${id}`;
      return [
        [
          'HSET',
          k.adminObject(type, id),
          ...['version', String(version), 'municipalityId', doc.municipalityId, 'sortKey', spec.sortKey(doc)],
          ...['label', spec.label(doc), 'claims', JSON.stringify(claims), 'refs', JSON.stringify(refs)],
          ...['doc', JSON.stringify(doc)],
        ],
        ...(secret ? [['SET', k.adminSecret(type, id), secret]] : []),
        ...claims.map((claim) => ['SET', k.claim(claim), self]),
        ...refs.map((claim) => ['SADD', k.claimRefs(claim), self]),
        ['ZADD', k.adminIndex(type), '0', member],
        ['ZADD', k.adminIndex(type, doc.municipalityId), '0', member],
      ];
    },

    /** What `doc` claims and points at (a restore checks a backup's objects against each other). */
    claimsOf: (doc: Doc) => ({ claims: spec.claims(doc), refs: spec.refs?.(doc) ?? [] }),
  };
}

export type VersionedStore<Doc extends { municipalityId: string }, Input = Doc> = ReturnType<
  typeof createVersionedStore<Doc, Input>
>;
