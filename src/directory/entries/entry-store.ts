import { randomBytes } from 'node:crypto';
import type { AuditContext, AuditLog } from '../../audit/audit-log.js';
import type { Principal } from '../../auth/access.js';
import { formatPath } from '../../config/load-region.js';
import { AppError } from '../../errors.js';
import { invalidFields } from '../../http/validation.js';
import { importConflicts, invalidRows, type RowProblem } from '../../import/row-problems.js';
import { formatForDisplay } from '../../numbers/phone-number.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';
import {
  directoryEntryInputSchema,
  sameContent,
  toEntry,
  toInput,
  type AbsenceInput,
  type DirectoryEntry,
  type DirectoryEntryInput,
  type ValidEntryInput,
} from './entry-schema.js';

export interface EntryStoreOptions {
  /** Changes the change stream keeps; an app instance that falls further behind reloads its search index. */
  changeLogLength?: number;
}

export interface EntryPage {
  entries: DirectoryEntry[];
  /** Absent on the last page. */
  nextCursor?: string;
}

export interface BulkResult {
  created: number;
  updated: number;
  /** Rows identical to the stored entry: not written, so their version (ETag) stays. */
  unchanged: number;
  /** Entries of the municipality that a replace did not keep. */
  deleted: number;
  /** The rows as stored, in row order. */
  entries: DirectoryEntry[];
}

export interface BulkOptions {
  /** Every check, the stored data's included, and the counts it would make, without writing. */
  dryRun?: boolean;
}

/** A value an entry outside an import holds, as a script names it. */
interface Taken {
  kind: string;
  value: string;
  ownerId: string;
  ownerName: string;
  ownerMunicipalityId: string;
}

const DEFAULT_CHANGE_LOG_LENGTH = 10_000;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 500;
/** An import is one Lua script: this keeps it (and Redis's pause while it runs) bounded. */
export const MAX_BULK_ROWS = 50_000;
/** Entries read per command when an import reads the ones it updates. */
const READ_SLICE = 1_000;
/** Attempts of a read-then-write that a concurrent change interrupted, before telling the caller. */
const ATTEMPTS = 3;

/**
 * The region's shared directory in Redis. Each change is one Lua script (entries/lua/) that
 * checks and writes together: the version the caller read (412 when the entry has changed
 * since), and that no other entry anywhere in the region has the extension or a number (409
 * naming who has it). The same script appends the change to a stream, from which every app
 * instance keeps its search index current (directory-search.ts).
 */
export function createDirectoryEntryStore(redis: RedisClient, k: Keys, audit: AuditLog, { changeLogLength = DEFAULT_CHANGE_LOG_LENGTH }: EntryStoreOptions = {}) {
  const maxLength = String(changeLogLength);
  const writeKeys = (municipalityId: string, audited: AuditContext) => [
    k.directoryEntries(),
    k.directoryExtensions(),
    k.directoryNumbers(),
    k.directoryByMunicipality(municipalityId),
    k.directoryChanges(),
    k.directoryChangeSeq(),
    audited.key,
  ];
  /** The scripts' last arguments: they write each change's audit entry themselves. */
  const auditArgs = (audited: AuditContext) => [String(audited.minId), audited.at, audited.actor];

  /** Redis's clock, as for every other timestamp, so that instances agree. */
  async function now(): Promise<string> {
    const [seconds, micros] = await redis.time();
    return new Date(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)).toISOString();
  }

  async function get(id: string): Promise<DirectoryEntry | undefined> {
    const stored = await redis.hGet(k.directoryEntries(), id);
    return stored ? (JSON.parse(stored) as DirectoryEntry) : undefined;
  }

  /** Writes `entry`, as new when `expectedVersion` is undefined. */
  async function put(entry: DirectoryEntry, expectedVersion: number | undefined, actor: Principal): Promise<DirectoryEntry> {
    const audited = audit.context(actor, entry.municipalityId);
    const reply = listReply(await redis.directoryPutEntry(writeKeys(entry.municipalityId, audited), [
      maxLength,
      entry.id,
      expectedVersion === undefined ? '' : String(expectedVersion),
      JSON.stringify(entry),
      ...auditArgs(audited),
    ]));
    if (reply[0] === 'ok') return entry;
    throw await refusal(reply, entry.id);
  }

  async function update(id: string, input: DirectoryEntryInput, expectedVersion: number, actor: Principal): Promise<DirectoryEntry> {
    const valid = validate(input);
    if (valid.id !== undefined && valid.id !== id) throw invalidFields([{ field: 'body.id', problem: `is ${valid.id}, but the entry changed is ${id}` }]);
    return put(toEntry(valid, id, expectedVersion + 1, await now()), expectedVersion, actor);
  }

  /** The AppError for a script's refusal of a change to entry `id` (an import names its row instead). */
  async function refusal(reply: unknown[], id: string): Promise<Error> {
    const [code, ...details] = reply.map(String);
    switch (code) {
      case 'exists':
        return new AppError(409, 'entry_exists', `An entry with the id ${id} exists already`);
      case 'not_found':
        return new AppError(404, 'entry_not_found', `No directory entry has the id ${id}`);
      case 'version':
        return new AppError(412, 'version_mismatch', `Entry ${id} has changed since it was read: it is at version ${details[0]}`, {
          currentVersion: Number(details[0]),
        });
      case 'municipality':
        return invalidFields([{ field: 'body.municipalityId', problem: `entry ${id} belongs to ${details[0]}; to move it, delete it there and create it here` }]);
      case 'taken': {
        const [kind, value, ownerId, ownerName, ownerMunicipalityId] = details as [string, string, string, string, string];
        const taken = await takenProblem({ kind, value, ownerId, ownerName, ownerMunicipalityId });
        // The API's error shape (a list naming the body field), with who holds the value for a console to link to.
        const field = `body.${taken.field}`;
        return new AppError(409, `${kind}_taken`, `${field}: ${taken.problem}`, [
          { field, problem: taken.problem, value, entryId: ownerId, name: ownerName, municipalityId: ownerMunicipalityId },
        ]);
      }
      case 'conflicts': {
        const conflicts = JSON.parse(details[0]!) as (Taken & { row: number })[];
        return importConflicts(await Promise.all(conflicts.map(async (c) => ({ row: c.row - 1, ...(await takenProblem(c)) }))));
      }
      case 'changed':
        return new AppError(409, 'directory_changed', `rows[${Number(details[0]) - 1}]: the entry changed during the import; try again`);
      default:
        return new Error(`unexpected reply from a directory script: ${JSON.stringify(reply)}`);
    }
  }

  /** Names the value and who has it, so the message says whom to ask. */
  async function takenProblem(taken: Taken): Promise<{ field: string; problem: string }> {
    const what = taken.kind === 'extension' ? `extension ${taken.value}` : `number ${formatForDisplay(taken.value)}`;
    const owner = `${taken.ownerName} (${await municipalityName(taken.ownerMunicipalityId)}, entry ${taken.ownerId})`;
    return { field: taken.kind === 'extension' ? 'extension' : 'phoneNumbers', problem: `${what} is already used by ${owner}` };
  }

  /** The member's name as configured (directory-store.ts), or its kommunkod when unknown. */
  async function municipalityName(id: string): Promise<string> {
    const stored = await redis.get(k.municipality(id));
    return stored ? (JSON.parse(stored) as { name: string }).name : id;
  }

  async function bulkWrite(municipalityId: string, rows: readonly DirectoryEntryInput[], mode: 'replace' | 'upsert', actor: Principal, { dryRun = false }: BulkOptions): Promise<BulkResult> {
    const valid = validateRows(municipalityId, rows);
    for (let attempt = 1; ; attempt++) {
      const plan = await planBulk(municipalityId, valid);
      const audited = audit.context(actor, municipalityId);
      const reply = listReply(await redis.directoryBulkWrite(writeKeys(municipalityId, audited), [
        maxLength,
        municipalityId,
        mode,
        plan.lines.join('\n'),
        ...auditArgs(audited),
        dryRun ? '1' : '',
      ]));
      if (reply[0] === 'ok') return { ...plan.result, deleted: Number(reply[1]) };
      if (reply[0] !== 'changed' || attempt === ATTEMPTS) throw await refusal(reply, municipalityId);
    }
  }

  /** What to send for each row, decided on the entries as they are now (the script refuses if they change meanwhile). */
  async function planBulk(municipalityId: string, rows: ValidEntryInput[]) {
    const givenIds = rows.flatMap((row) => (row.id === undefined ? [] : [row.id]));
    const stored: (string | null)[] = [];
    // In slices: one command with tens of thousands of arguments is more than the client can build.
    for (let at = 0; at < givenIds.length; at += READ_SLICE) stored.push(...(await redis.hmGet(k.directoryEntries(), givenIds.slice(at, at + READ_SLICE))));
    const current = new Map(stored.flatMap((json) => (json ? [JSON.parse(json) as DirectoryEntry] : [])).map((entry) => [entry.id, entry]));
    const updatedAt = await now();
    const result: Omit<BulkResult, 'deleted'> = { created: 0, updated: 0, unchanged: 0, entries: [] };
    /** One line per row for the script: id, the version read ('' for new), JSON to write ('' to keep), tab-separated. */
    const lines: string[] = [];
    const elsewhere: RowProblem[] = [];
    rows.forEach((row, index) => {
      const existing = row.id === undefined ? undefined : current.get(row.id);
      if (existing && existing.municipalityId !== municipalityId) {
        elsewhere.push({ row: index, field: 'id', problem: `entry ${existing.id} (${existing.name}) belongs to ${existing.municipalityId}` });
        return;
      }
      const entry = toEntry(row, row.id ?? newId(), (existing?.version ?? 0) + 1, updatedAt);
      if (existing && sameContent(existing, entry)) {
        lines.push(`${existing.id}\t${existing.version}\t`);
        result.unchanged++;
        result.entries.push(existing);
        return;
      }
      lines.push(`${entry.id}\t${existing ? existing.version : ''}\t${JSON.stringify(entry)}`);
      result[existing ? 'updated' : 'created']++;
      result.entries.push(entry);
    });
    if (elsewhere.length > 0) throw importConflicts(elsewhere);
    return { lines, result };
  }

  return {
    get,

    /** A new entry (version 1); its id is generated unless the input has one. */
    async create(input: DirectoryEntryInput, actor: Principal): Promise<DirectoryEntry> {
      const valid = validate(input);
      return put(toEntry(valid, valid.id ?? newId(), 1, await now()), undefined, actor);
    },

    /** Replaces the entry's content, if it is still at `expectedVersion` (412 otherwise). An entry stays in its municipality. */
    update,

    /** Sets or clears the hänvisning, whatever else changed meanwhile (operators do this often, without an edit form). */
    async setAbsence(id: string, absence: AbsenceInput | null, actor: Principal): Promise<DirectoryEntry> {
      for (let attempt = 1; ; attempt++) {
        const current = await get(id);
        if (!current) throw new AppError(404, 'entry_not_found', `No directory entry has the id ${id}`);
        try {
          return await update(id, { ...toInput(current), absence }, current.version, actor);
        } catch (error) {
          if (!(error instanceof AppError && error.status === 412) || attempt === ATTEMPTS) throw error;
        }
      }
    },

    /** Deletes the entry (if still at `expectedVersion`, when given) and returns it as it was. */
    async delete(id: string, expectedVersion: number | undefined, actor: Principal): Promise<DirectoryEntry> {
      // The stream is the entry's municipality's, which the script learns; only the context is used here.
      const audited = audit.context(actor, undefined);
      const reply = listReply(
        await redis.directoryDeleteEntry(
          [k.directoryEntries(), k.directoryExtensions(), k.directoryNumbers(), k.directoryChanges(), k.directoryChangeSeq()],
          [k.prefix, maxLength, id, expectedVersion === undefined ? '' : String(expectedVersion), ...auditArgs(audited)],
        ),
      );
      if (reply[0] === 'ok') return JSON.parse(String(reply[1])) as DirectoryEntry;
      throw await refusal(reply, id);
    },

    /**
     * One municipality's entries in id order, a page at a time; `cursor` is the previous page's
     * nextCursor. Entries added or removed meanwhile do not shift the pages.
     */
    async list(municipalityId: string, { cursor, limit = DEFAULT_PAGE_SIZE }: { cursor?: string; limit?: number } = {}): Promise<EntryPage> {
      const count = Math.min(Math.max(Math.trunc(limit) || DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
      const ids = await redis.zRange(k.directoryByMunicipality(municipalityId), cursor ? `(${cursor}` : '-', '+', {
        BY: 'LEX',
        LIMIT: { offset: 0, count: count + 1 },
      });
      const page = ids.slice(0, count);
      const stored = page.length === 0 ? [] : await redis.hmGet(k.directoryEntries(), page);
      const entries = stored.flatMap((json) => (json ? [JSON.parse(json) as DirectoryEntry] : []));
      return ids.length > count ? { entries, nextCursor: page.at(-1)! } : { entries };
    },

    /**
     * Makes `rows` the municipality's whole directory (a CSV import): rows with the id of an
     * entry update it, rows without an id are new, entries not among the rows are deleted.
     * All or nothing: every row is validated first, and one bad or conflicting row changes nothing.
     */
    bulkReplace: (municipalityId: string, rows: readonly DirectoryEntryInput[], actor: Principal, options: BulkOptions = {}) =>
      bulkWrite(municipalityId, rows, 'replace', actor, options),

    /** As bulkReplace, but entries not among the rows are kept. */
    bulkUpsert: (municipalityId: string, rows: readonly DirectoryEntryInput[], actor: Principal, options: BulkOptions = {}) =>
      bulkWrite(municipalityId, rows, 'upsert', actor, options),
  };
}

export type DirectoryEntryStore = ReturnType<typeof createDirectoryEntryStore>;

function newId(): string {
  return randomBytes(9).toString('base64url');
}

function validate(input: DirectoryEntryInput): ValidEntryInput {
  const parsed = directoryEntryInputSchema.safeParse(input);
  if (!parsed.success) throw invalidFields(parsed.error.issues.map((issue) => ({ field: formatPath(issue.path), problem: issue.message })));
  return parsed.data;
}

/**
 * Every row checked before anything is written: each on its own, then against each other (an
 * extension, number or id twice in one import). All problems are reported at once (up to a
 * limit), named by row, so a file can be fixed in one go.
 */
function validateRows(municipalityId: string, rows: readonly DirectoryEntryInput[]): ValidEntryInput[] {
  if (!/^\d{4}$/.test(municipalityId)) throw invalidFields([{ field: 'municipalityId', problem: 'must be the four-digit SCB kommunkod' }]);
  if (rows.length > MAX_BULK_ROWS) throw invalidFields([{ field: 'rows', problem: `must be at most ${MAX_BULK_ROWS}, not ${rows.length}` }]);
  const problems: RowProblem[] = [];
  const valid: ValidEntryInput[] = [];
  rows.forEach((row, index) => {
    const parsed = directoryEntryInputSchema.safeParse(row);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ row: index, field: formatPath(issue.path), problem: issue.message });
    } else if (parsed.data.municipalityId !== municipalityId) {
      problems.push({ row: index, field: 'municipalityId', problem: `is ${parsed.data.municipalityId}, but the import is for ${municipalityId}` });
    } else {
      valid[index] = parsed.data;
    }
  });
  // Valid rows are compared with each other too, so one pass reports everything.
  problems.push(...duplicatesWithin(valid));
  if (problems.length > 0) throw invalidRows(problems.sort((a, b) => a.row - b.row));
  return valid;
}

function duplicatesWithin(rows: ValidEntryInput[]): RowProblem[] {
  const problems: RowProblem[] = [];
  const firstRow = new Map<string, number>();
  const once = (key: string, index: number, field: string, what: string) => {
    const first = firstRow.get(key);
    if (first === undefined) firstRow.set(key, index);
    else problems.push({ row: index, field, problem: `${what} is also in rows[${first}]` });
  };
  rows.forEach((row, index) => {
    if (row.id !== undefined) once(`id:${row.id}`, index, 'id', `id ${row.id}`);
    if (row.extension !== undefined) once(`extension:${row.extension}`, index, 'extension', `extension ${row.extension}`);
    row.phoneNumbers.forEach((number, n) => once(`number:${number}`, index, `phoneNumbers[${n}]`, `number ${formatForDisplay(number)}`));
  });
  return problems;
}

/** The directory's scripts answer a list ({'ok', ...} or a refusal); anything else is a bug. */
function listReply(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw new Error(`a directory script replied ${JSON.stringify(reply)}, expected a list`);
  return reply;
}
