import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import { type Principal, assertInScope } from '../auth/access.js';
import { AppError } from '../errors.js';
import { invalidFields, invalidRequest } from '../http/validation.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { conflict, scriptError, showClaim, staleVersion } from './change-errors.js';

/**
 * One store for every kind of object an administrator keeps (extensions, numbers, and the
 * kinds to come): each belongs to a municipality, has a version that every change raises, and
 * may claim values that must be unique in the whole region. A change is one Lua script
 * (store/lua/admin-change.lua) that checks the version and the claims and writes the object, its
 * claims, its indexes and its audit entry together, or nothing at all.
 */

/** A region-wide unique value, "{kind}:{value}" (e.g. "extension:2460123"), and the field that holds it. */
export interface Claim {
  claim: string;
  field: string;
}

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
  /** Claims of other objects this one points at: they must exist, and cannot go while pointed at. */
  refs?(doc: Doc): Claim[];
  /** What outside the store already holds a claimed value (the region config's main numbers), if anything. */
  reservedBy?(claim: string): string | undefined;
  /** The id of a new object from what was sent, for kinds with one object per municipality (its kommunkod); random otherwise. */
  idOf?(input: Input): string;
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

/** 16 random hex digits, or the kommunkod of a kind with one object per municipality (spec.idOf). */
export const OBJECT_ID = /^(?:[0-9a-f]{16}|\d{4})$/;
const CURSOR_MEMBER = /^\S+ (?:[0-9a-f]{16}|\d{4})$/;

/** The index member a cursor stands for, or undefined when the text is not a cursor. */
export function parseCursor(cursor: string): string | undefined {
  const member = Buffer.from(cursor, 'base64url').toString('utf8');
  return CURSOR_MEMBER.test(member) && Buffer.from(member).toString('base64url') === cursor ? member : undefined;
}

export function createVersionedStore<Doc extends { municipalityId: string }, Input = Doc>(
  redis: RedisClient,
  k: Keys,
  audit: AuditLog,
  spec: ResourceSpec<Doc, Input>,
) {
  const { type } = spec;
  const notFound = (id: string) => new AppError(404, `${type}_not_found`, `No ${type} has the id ${id}`);

  async function get(id: string): Promise<Versioned<Doc> | undefined> {
    const [version, doc] = await redis.hmGet(k.adminObject(type, id), ['version', 'doc']);
    if (version && doc) return { id, version: Number(version), doc: JSON.parse(doc) as Doc };
    const seeded = spec.seed?.(id);
    return seeded && { id, version: 0, doc: seeded };
  }

  /** Audit entries show the object as the API does: never its secret, which is not in the document. */
  const audited = (version: number, doc: Doc) => ({ version, ...doc });

  async function write(actor: Principal, id: string, current: Versioned<Doc> | undefined, draft: Draft | undefined): Promise<Versioned<Doc> | undefined> {
    let next: Doc | undefined;
    if (draft) {
      const parsed = spec.schema.safeParse(draft.doc);
      if (!parsed.success) throw invalidRequest(parsed.error.issues, 'json');
      next = parsed.data;
      if (current && next.municipalityId !== current.doc.municipalityId) {
        throw invalidFields([{ field: 'body.municipalityId', problem: `cannot be changed (from ${current.doc.municipalityId}): delete the ${type} and create it in the other municipality` }]);
      }
      assertInScope(actor, next.municipalityId);
      for (const { claim, field } of spec.claims(next)) {
        const holder = spec.reservedBy?.(claim);
        if (holder) throw conflict('claim_taken', field, `${showClaim(claim)} is already ${holder}`);
      }
    }
    const basedOn = current?.version ?? 0;
    // A change that changes nothing would only raise the version and fill the audit log.
    if (current && next && draft?.secret === undefined && JSON.stringify(next) === JSON.stringify(current.doc)) return current;
    const municipalityId = (next ?? current!.doc).municipalityId;
    const entry = audit.entry(actor, {
      action: !current?.version ? 'create' : next ? 'update' : 'delete',
      object: { type, id },
      municipalityId,
      ...(current ? { before: audited(current.version, current.doc) } : {}),
      ...(next ? { after: audited(basedOn + 1, next) } : {}),
    });
    const claims = next ? spec.claims(next) : [];
    const refs = next ? (spec.refs?.(next) ?? []) : [];
    const args = [
      k.prefix,
      type,
      id,
      String(basedOn),
      next?.municipalityId ?? '',
      next ? spec.sortKey(next) : '',
      next ? spec.label(next) : '',
      JSON.stringify(claims.map((c) => c.claim)),
      JSON.stringify(refs.map((c) => c.claim)),
      next ? JSON.stringify(next) : '',
      draft?.secret ?? '',
      String(entry.minId),
      ...Object.entries(entry.fields).flat(),
    ];
    try {
      const version = Number(await redis.adminChange([k.adminObject(type, id), k.adminSecret(type, id), entry.key], args));
      return next && { id, version, doc: next };
    } catch (error) {
      const label = spec.label((next ?? current?.doc)!);
      throw scriptError(error, { id, type, label, deleting: !next, basedOn, claims: [...claims, ...(current ? spec.claims(current.doc) : [])], refs, notFound });
    }
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

  const toDraft = (input: Input, currentDoc: Doc | undefined): Draft => spec.toDraft?.(input, currentDoc) ?? { doc: input };

  return {
    type,
    get,

    async create(input: Input, actor: Principal): Promise<Versioned<Doc>> {
      return (await write(actor, spec.idOf?.(input) ?? randomBytes(8).toString('hex'), undefined, toDraft(input, undefined)))!;
    },

    /** Changes the object at version `basedOn` (the caller's If-Match); any other version is a 412. */
    async update(id: string, basedOn: number, patch: Patch<Input>, actor: Principal): Promise<Versioned<Doc>> {
      const found = await current(id, actor, basedOn);
      const merged: Record<string, unknown> = { ...found.doc };
      for (const [field, value] of Object.entries(patch)) {
        if (value === null) delete merged[field];
        else if (value !== undefined) merged[field] = value;
      }
      return (await write(actor, id, found, toDraft(merged as Input, found.doc)))!;
    },

    async remove(id: string, basedOn: number, actor: Principal): Promise<Versioned<Doc>> {
      const found = await current(id, actor, basedOn);
      // A seed is not stored, so there is nothing to delete: GET shows it again anyway.
      if (found.version === 0) throw new AppError(404, `${type}_not_stored`, `Nothing is stored for the ${type} ${id}: it shows what the region config says`);
      await write(actor, id, found, undefined);
      return found;
    },

    /** In sortKey order; a page is read from the index first, so an object deleted meanwhile is left out. */
    async list({ municipalityId, limit, cursor }: ListQuery): Promise<Page<Doc>> {
      const after = cursor === undefined ? undefined : parseCursor(cursor);
      if (cursor !== undefined && after === undefined) throw invalidFields([{ field: 'query.cursor', problem: 'is not a cursor from a previous page' }]);
      const members = await redis.zRange(k.adminIndex(type, municipalityId), after ? `(${after}` : '-', '+', { BY: 'LEX', LIMIT: { offset: 0, count: limit + 1 } });
      const page = members.slice(0, limit);
      const items = (await Promise.all(page.map((member) => get(member.slice(member.lastIndexOf(' ') + 1))))).filter((item) => item !== undefined);
      return { items, ...(members.length > limit ? { nextCursor: Buffer.from(page.at(-1)!).toString('base64url') } : {}) };
    },

    /** The secret of the object holding `claim`, if that object is of this store's type. */
    async secretByClaim(claim: string): Promise<string | undefined> {
      const holder = await redis.get(k.claim(claim));
      if (!holder?.startsWith(`${type}:`)) return undefined;
      return (await redis.get(k.adminSecret(type, holder.slice(type.length + 1)))) ?? undefined;
    },
  };
}

export type VersionedStore<Doc extends { municipalityId: string }, Input = Doc> = ReturnType<typeof createVersionedStore<Doc, Input>>;
