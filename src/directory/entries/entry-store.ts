import { randomBytes } from 'node:crypto';
import { showClaim, versionFailure } from '../../admin/change-errors.js';
import type { Claim } from '../../admin/claim.js';
import { configuredHolder, notAMember, type MemberNumbers } from '../../admin/region-rules.js';
import type { AuditContext, AuditLog } from '../../audit/audit-log.js';
import type { Principal } from '../../auth/access.js';
import { formatPath } from '../../config/load-region.js';
import { AppError } from '../../errors.js';
import { invalidFields, type FieldProblem } from '../../validation/field-problems.js';
import { assertNoRowProblems, repeatsWithin, type RowProblem } from '../../import/row-problems.js';
import {
  createStagedImports,
  forEachRow,
  readInSlices,
  type ImportProgress,
  type StagedImportOptions,
  type StagedOp,
  type StagedProblem,
} from '../../import/staged-import.js';
import type { Keys } from '../../store/keys.js';
import { lexPage } from '../../store/lex-page.js';
import type { RedisClient } from '../../store/redis-client.js';
import { runScript, type ScriptFailure } from '../../store/scripts.js';
import { createDirectoryStore } from '../directory-store.js';
import {
  ENTRY_ID_PATTERN,
  directoryEntryInputSchema,
  sameContent,
  toEntry,
  toInput,
  type AbsenceInput,
  type DirectoryEntry,
  type DirectoryEntryInput,
  type ValidEntryInput,
} from './entry-schema.js';
import { redisMillis } from '../../store/redis-clock.js';

export interface EntryStoreOptions {
  /** Changes the change stream keeps; an app instance that falls further behind reloads its search index. */
  changeLogLength?: number;
  /** How imports are chunked and how long their fence lasts without a sign of life (import/staged-import.ts). */
  imports?: StagedImportOptions;
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
  /** Called as the rows are staged, checked and written (import/staged-import.ts). */
  onProgress?: ImportProgress | undefined;
}

/** Who has a value an entry lists, as a script names it (store/lua/_directory.lua, entry_conflict). */
interface Taken {
  kind: 'extension' | 'number';
  value: string;
  /** The holder's municipality. */
  municipalityId: string;
  /** Another entry, anywhere in the region. */
  entryId?: string;
  name?: string;
  /** Another municipality's admin object ("extension:<id>", "number:<id>"), named by label ("… of Vännäs"). */
  holder?: string;
  label?: string;
  /** Another municipality's configured numbers, said of the value ("is already the main number of Vännäs"). */
  what?: string;
}

/** What config/region.yaml gives another municipality of an entry's values: claim → holder (a script refuses those newly listed). */
type Reserved = Record<string, { municipalityId: string; what: string }>;

const DEFAULT_CHANGE_LOG_LENGTH = 10_000;
const DEFAULT_PAGE_SIZE = 100;
/** What one import may hold: the API's 20 MiB file, and a switch-over of a few seconds. */
export const MAX_BULK_ROWS = 50_000;
/** Entries read per command when an import reads the ones it updates. */
const READ_SLICE = 1_000;
/** Attempts of a read-then-write that a concurrent change interrupted, before telling the caller. */
const ATTEMPTS = 3;

/**
 * The region's shared directory in Redis. Each change is one Lua script (store/lua/directory-*.lua) that
 * checks and writes together: the version the caller read (412 when the entry has changed
 * since), that no other entry anywhere in the region has the extension or a number, and that
 * no other municipality has a value the entry newly lists (an extension or direct number of
 * theirs, their main number, a value in their ranges) (409 naming who has it). The same script
 * appends the change to a stream, from which every app instance keeps its search index
 * current (directory-search.ts).
 *
 * Members and their numbers are read from Redis as the switchboard syncs them from
 * config/region.yaml at every start (directory-store.ts), the data calls are routed by; so the
 * API, `vaxel import` and every instance check against the same region.
 */
export function createDirectoryEntryStore(
  redis: RedisClient,
  k: Keys,
  audit: AuditLog,
  { changeLogLength = DEFAULT_CHANGE_LOG_LENGTH, imports: importOptions }: EntryStoreOptions = {},
) {
  const maxLength = String(changeLogLength);
  const region = createDirectoryStore(redis, k);
  const imports = createStagedImports(redis, k, importOptions);
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
  const now = async (): Promise<string> => new Date(await redisMillis(redis)).toISOString();

  /** The members, once `municipalityId` is one of them (400 naming `field` otherwise). */
  async function membersWith(municipalityId: string, field: string): Promise<MemberNumbers[]> {
    const members = await region.listMunicipalities();
    if (members.length === 0)
      throw invalidFields([
        {
          field,
          problem:
            'cannot be checked: no members are in Redis (the switchboard writes those of config/region.yaml when it starts)',
        },
      ]);
    if (!members.some((m) => m.id === municipalityId))
      throw invalidFields([{ field, problem: notAMember(municipalityId) }]);
    return members;
  }

  async function get(id: string): Promise<DirectoryEntry | undefined> {
    const stored = await redis.hGet(k.directoryEntries(), id);
    return stored ? (JSON.parse(stored) as DirectoryEntry) : undefined;
  }

  /** Writes `entry`, as new when `expectedVersion` is undefined. */
  async function put(
    entry: DirectoryEntry,
    expectedVersion: number | undefined,
    actor: Principal,
  ): Promise<DirectoryEntry> {
    const members = await membersWith(entry.municipalityId, 'body.municipalityId');
    const pending = imports.pastSwitch(() => {
      const audited = audit.context(actor, entry.municipalityId);
      return redis.directoryPutEntry(writeKeys(entry.municipalityId, audited), [
        k.prefix,
        maxLength,
        entry.id,
        expectedVersion === undefined ? '' : String(expectedVersion),
        JSON.stringify(entry),
        JSON.stringify(reservedElsewhere(entry, members)),
        ...auditArgs(audited),
      ]);
    });
    await runScript(pending, (failure) => refusal(failure, entry.id, expectedVersion));
    return entry;
  }

  async function update(
    id: string,
    input: DirectoryEntryInput,
    expectedVersion: number,
    actor: Principal,
  ): Promise<DirectoryEntry> {
    const valid = validate(input);
    if (valid.id !== undefined && valid.id !== id)
      throw invalidFields([{ field: 'body.id', problem: `is ${valid.id}, but the entry changed is ${id}` }]);
    return put(toEntry(valid, id, expectedVersion + 1, await now()), expectedVersion, actor);
  }

  /** The AppError for a script's refusal of a change to entry `id` at `expectedVersion` (an import names its row instead). */
  async function refusal(
    { code, detail }: ScriptFailure,
    id: string,
    expectedVersion?: number,
  ): Promise<AppError | undefined> {
    const versioned = versionFailure(
      { code, detail },
      {
        type: 'directory entry',
        id,
        basedOn: expectedVersion ?? 0,
        notFound: entryNotFound,
        exists: () => new AppError(409, 'entry_exists', `An entry with the id ${id} exists already`),
      },
    );
    if (versioned) return versioned;
    switch (code) {
      case 'entry_municipality':
        return invalidFields([
          {
            field: 'body.municipalityId',
            problem: `entry ${id} belongs to ${String(detail.municipalityId)}; to move it, delete it there and create it here`,
          },
        ]);
      case 'entry_taken': {
        const taken = detail as unknown as Taken;
        const problem = await takenProblem(taken);
        // The API's error shape (a list naming the body field), with who holds the value for a console to link to.
        const field = `body.${problem.field}`;
        const holder =
          taken.entryId !== undefined
            ? { entryId: taken.entryId, name: taken.name }
            : taken.holder !== undefined
              ? { holder: taken.holder }
              : {};
        return new AppError(409, `${taken.kind}_taken`, `${field}: ${problem.problem}`, [
          { field, problem: problem.problem, value: taken.value, municipalityId: taken.municipalityId, ...holder },
        ]);
      }
      case 'entry_in_use': {
        const problem = linkedProblem(detail.linked as string[]);
        return new AppError(409, 'entry_in_use', `Entry ${id} ${problem}`, [{ field: 'path.id', problem }]);
      }
      default:
        return undefined;
    }
  }

  /** Names the value and who has it, so the message says whom to ask. */
  async function takenProblem(taken: Taken): Promise<FieldProblem> {
    const what = showListed(`${taken.kind === 'extension' ? 'extension' : 'e164'}:${taken.value}`);
    const problem =
      taken.entryId !== undefined
        ? `${what} is already used by ${taken.name} (${await municipalityName(taken.municipalityId)}, entry ${taken.entryId})`
        : taken.label !== undefined
          ? `${what} is already held by ${taken.label}`
          : `${what} ${taken.what} (config/region.yaml)`;
    return { field: taken.kind === 'extension' ? 'extension' : 'phoneNumbers', problem };
  }

  /** An import's problems with stored data (store/lua/_import.lua: 'taken' by row, 'linked' for a deletion of replace mode, row -1). */
  async function importedConflicts(problems: readonly StagedProblem[]): Promise<RowProblem[]> {
    return Promise.all(
      problems.map(async (p) =>
        p.code === 'linked'
          ? {
              row: -1,
              field: 'id',
              problem: `entry ${p.id} (${String(p.name)}) is not among the rows, so it would be deleted, but it ${linkedProblem(p.linked as string[])}`,
            }
          : { row: p.row, ...(await takenProblem(p as unknown as Taken)) },
      ),
    );
  }

  /** The member's name as configured (directory-store.ts), or its kommunkod when unknown. */
  async function municipalityName(id: string): Promise<string> {
    const stored = await redis.get(k.municipality(id));
    return stored ? (JSON.parse(stored) as { name: string }).name : id;
  }

  /**
   * Every row is checked, and every problem listed at once: rows wrong in themselves or against
   * each other (invalid_rows, 400), and rows against what is stored (import_conflicts, 409; in a
   * 400 too when both are found). With problems, the stored data is only checked (as for a dry
   * run), so that the conflicts of the rows right in themselves are found too. The rows are
   * staged, checked and written in chunks (import/staged-import.ts), all or nothing.
   */
  async function bulkWrite(
    municipalityId: string,
    rows: readonly DirectoryEntryInput[],
    mode: 'replace' | 'upsert',
    actor: Principal,
    { dryRun = false, onProgress }: BulkOptions,
  ): Promise<BulkResult> {
    const { valid, invalid } = await validateRows(municipalityId, rows);
    const members = await membersWith(municipalityId, 'municipalityId');
    const bad = new Set(invalid.map((p) => p.row));
    for (let attempt = 1; ; attempt++) {
      const plan = await planBulk(municipalityId, rows, valid, bad, members, mode);
      const audited = audit.context(actor, municipalityId);
      const outcome = await imports.run(
        {
          kind: 'directory',
          municipalityId,
          actor: actor.name,
          ops: plan.ops,
          coverIndex: mode === 'replace' ? k.directoryByMunicipality(municipalityId) : undefined,
          context: {
            municipalityId,
            maxLength: changeLogLength,
            audit: { key: audited.key, min_id: String(audited.minId), at: audited.at, actor: audited.actor },
          },
        },
        { checkOnly: dryRun || bad.size > 0 || plan.conflicts.length > 0, onProgress },
      );
      // An entry changed, or one added in replace mode, since the plan read them: plan again.
      const changed = outcome.problems.find((p) => p.code === 'changed');
      if (changed || outcome.uncovered.length > 0) {
        if (attempt < ATTEMPTS) continue;
        const where =
          changed && changed.row >= 0
            ? `rows[${changed.row}]: the entry`
            : `entry ${changed?.id ?? outcome.uncovered[0]}, not among the rows,`;
        throw new AppError(409, 'directory_changed', `${where} changed during the import; try again`);
      }
      const conflicts = [...plan.conflicts, ...(await importedConflicts(outcome.problems))];
      assertNoRowProblems(invalid, conflicts);
      return plan.result;
    }
  }

  /**
   * What to write for each row, decided on the entries as they are now (the import's check
   * refuses if they change meanwhile). A row with a problem (`bad`, or its id another
   * municipality's entry) is not written; its stored entry, if it names one, is sent as kept, so
   * that a replace does not count it among those to delete. In replace mode the municipality's
   * other entries are deleted (row -1).
   */
  async function planBulk(
    municipalityId: string,
    rows: readonly DirectoryEntryInput[],
    valid: (ValidEntryInput | undefined)[],
    bad: ReadonlySet<number>,
    members: readonly MemberNumbers[],
    mode: 'replace' | 'upsert',
  ) {
    const ids = rows.map(
      (row, index) =>
        valid[index]?.id ?? (typeof row.id === 'string' && ENTRY_ID_PATTERN.test(row.id) ? row.id : undefined),
    );
    const current = await readEntries(ids.filter((id) => id !== undefined));
    const updatedAt = await now();
    const result: BulkResult = { created: 0, updated: 0, unchanged: 0, deleted: 0, entries: [] };
    const ops: StagedOp[] = [];
    const conflicts: RowProblem[] = [];
    const kept = (entry: DirectoryEntry, row: number): StagedOp => ({
      op: 'entry',
      row,
      id: entry.id,
      expected: String(entry.version),
      json: '',
      reserved: '',
    });
    await forEachRow(rows, (_, index) => {
      const row = valid[index];
      const existing = ids[index] === undefined ? undefined : current.get(ids[index]);
      if (existing && existing.municipalityId !== municipalityId) {
        conflicts.push({
          row: index,
          field: 'id',
          problem: `entry ${existing.id} (${existing.name}) belongs to ${existing.municipalityId}`,
        });
        return;
      }
      if (!row || bad.has(index)) {
        if (existing) ops.push(kept(existing, index));
        return;
      }
      const entry = toEntry(row, row.id ?? newId(), (existing?.version ?? 0) + 1, updatedAt);
      if (existing && sameContent(existing, entry)) {
        ops.push(kept(existing, index));
        result.unchanged++;
        result.entries.push(existing);
        return;
      }
      const reserved = reservedElsewhere(entry, members);
      const json = JSON.stringify(entry);
      ops.push({
        op: 'entry',
        row: index,
        id: entry.id,
        expected: existing ? String(existing.version) : '',
        json,
        reserved: Object.keys(reserved).length > 0 ? JSON.stringify(reserved) : '',
      });
      result[existing ? 'updated' : 'created']++;
      result.entries.push(entry);
    });
    if (mode === 'replace') {
      const named = new Set(ops.map((op) => op.id));
      const others = (await redis.zRange(k.directoryByMunicipality(municipalityId), 0, -1)).filter(
        (id) => !named.has(id),
      );
      const stored = await readEntries(others);
      // Deleted before the rows are written, as a single delete and create would be.
      ops.unshift(
        ...others.map((id): StagedOp => ({
          op: 'entry-delete',
          row: -1,
          id,
          expected: stored.has(id) ? String(stored.get(id)!.version) : '',
        })),
      );
      result.deleted = others.length;
    }
    return { ops, result, conflicts };
  }

  /** The stored entries of `ids`, by id, a slice at a time (readInSlices). */
  async function readEntries(ids: readonly string[]): Promise<Map<string, DirectoryEntry>> {
    const stored = await readInSlices(ids, READ_SLICE, (slice) => redis.hmGet(k.directoryEntries(), slice));
    return new Map(
      stored.flatMap((json) => (json ? [JSON.parse(json) as DirectoryEntry] : [])).map((entry) => [entry.id, entry]),
    );
  }

  return {
    get,

    /** The entry that lists `extension` as its extension (each is listed by one entry at most). */
    async byExtension(extension: string): Promise<DirectoryEntry | undefined> {
      const id = await redis.hGet(k.directoryExtensions(), extension);
      return id ? get(id) : undefined;
    },

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
        if (!current) throw entryNotFound(id);
        try {
          return await update(id, { ...toInput(current), absence }, current.version, actor);
        } catch (error) {
          if (!(error instanceof AppError && error.status === 412) || attempt === ATTEMPTS) throw error;
        }
      }
    },

    /** Deletes the entry (if still at `expectedVersion`, when given) and returns it as it was; not while an extension links to it (409). */
    async delete(id: string, expectedVersion: number | undefined, actor: Principal): Promise<DirectoryEntry> {
      // The stream is the entry's municipality's, which the script learns; only the context is used here.
      const pending = imports.pastSwitch(() =>
        redis.directoryDeleteEntry(
          [
            k.directoryEntries(),
            k.directoryExtensions(),
            k.directoryNumbers(),
            k.directoryChanges(),
            k.directoryChangeSeq(),
          ],
          [
            k.prefix,
            maxLength,
            id,
            expectedVersion === undefined ? '' : String(expectedVersion),
            ...auditArgs(audit.context(actor, undefined)),
          ],
        ),
      );
      const reply = await runScript(pending, (failure) => refusal(failure, id, expectedVersion));
      if (!Array.isArray(reply) || reply[0] !== 'ok')
        throw new Error(`directory-delete-entry replied ${JSON.stringify(reply)}, expected {'ok', entry}`);
      return JSON.parse(String(reply[1])) as DirectoryEntry;
    },

    /**
     * One municipality's entries in id order, a page at a time; `cursor` is the previous page's
     * nextCursor. Entries added or removed meanwhile do not shift the pages.
     */
    async list(
      municipalityId: string,
      { cursor, limit = DEFAULT_PAGE_SIZE }: { cursor?: string; limit?: number } = {},
    ): Promise<EntryPage> {
      const { members: page, nextCursor } = await lexPage(
        redis,
        k.directoryByMunicipality(municipalityId),
        { cursor, limit },
        ENTRY_ID_PATTERN,
      );
      const stored = page.length === 0 ? [] : await redis.hmGet(k.directoryEntries(), page);
      const entries = stored.flatMap((json) => (json ? [JSON.parse(json) as DirectoryEntry] : []));
      return nextCursor ? { entries, nextCursor } : { entries };
    },

    /**
     * Makes `rows` the municipality's whole directory (a CSV import): rows with the id of an
     * entry update it, rows without an id are new, entries not among the rows are deleted.
     * All or nothing: every row is validated first, and one bad or conflicting row changes nothing.
     */
    bulkReplace: (
      municipalityId: string,
      rows: readonly DirectoryEntryInput[],
      actor: Principal,
      options: BulkOptions = {},
    ) => bulkWrite(municipalityId, rows, 'replace', actor, options),

    /** As bulkReplace, but entries not among the rows are kept. */
    bulkUpsert: (
      municipalityId: string,
      rows: readonly DirectoryEntryInput[],
      actor: Principal,
      options: BulkOptions = {},
    ) => bulkWrite(municipalityId, rows, 'upsert', actor, options),

    /** Every entry, in id order (a backup: backup/). */
    async backupEntries(): Promise<DirectoryEntry[]> {
      const all = await redis.hGetAll(k.directoryEntries());
      return Object.keys(all)
        .sort()
        .map((id) => JSON.parse(all[id]!) as DirectoryEntry);
    },

    /**
     * The commands that store a backed-up entry as it was, at its version, with the values it
     * lists and its place in its municipality, as write_entry (store/lua/_directory.lua) writes
     * them, and its change numbered `seq` for the search indexes following the stream (a restore
     * numbers them 1, 2, …; where the counter had moved already, a reader meets a gap and loads its
     * whole index again). No audit entry: the restore audits itself.
     */
    restoreCommands(entry: DirectoryEntry, seq: number): string[][] {
      const json = JSON.stringify(entry);
      return [
        ['HSET', k.directoryEntries(), entry.id, json],
        ['ZADD', k.directoryByMunicipality(entry.municipalityId), '0', entry.id],
        ...(entry.extension ? [['HSET', k.directoryExtensions(), entry.extension, entry.id]] : []),
        ...entry.phoneNumbers.map((number) => ['HSET', k.directoryNumbers(), number, entry.id]),
        ['INCR', k.directoryChangeSeq()],
        [
          'XADD',
          k.directoryChanges(),
          'MAXLEN',
          '~',
          maxLength,
          '*',
          'seq',
          String(seq),
          'id',
          entry.id,
          'entry',
          json,
        ],
      ];
    },
  };
}

export type DirectoryEntryStore = ReturnType<typeof createDirectoryEntryStore>;

/** The 404 of an entry id nothing is stored under. */
export function entryNotFound(id: string): AppError {
  return new AppError(404, 'entry_not_found', `No directory entry has the id ${id}`);
}

function newId(): string {
  return randomBytes(9).toString('base64url');
}

function validate(input: DirectoryEntryInput): ValidEntryInput {
  const parsed = directoryEntryInputSchema.safeParse(input);
  if (!parsed.success)
    throw invalidFields(
      parsed.error.issues.map((issue) => ({ field: formatPath(issue.path), problem: issue.message })),
    );
  return parsed.data;
}

/** The values of `entry` that config/region.yaml gives another municipality than the entry's. */
function reservedElsewhere(entry: DirectoryEntry, members: readonly MemberNumbers[]): Reserved {
  const reserved: Reserved = {};
  for (const { claim } of entryClaims(entry)) {
    const holder = configuredHolder(members, claim);
    if (holder && holder.municipalityId !== entry.municipalityId) reserved[claim] = holder;
  }
  return reserved;
}

/** How a deletion refused for the extensions linking to the entry reads, after "entry <id>". */
function linkedProblem(labels: readonly string[]): string {
  const one = labels.length === 1;
  return `cannot be deleted while ${labels.join(', ')} link${one ? 's' : ''} to it: change or remove ${one ? 'its' : 'their'} directoryEntryId first`;
}

/**
 * Every row checked before anything is written: each on its own, then against each other (an
 * extension, number or id twice in one import). All problems are reported at once (up to a
 * limit), named by row, so a file can be fixed in one go; `valid` holds the rows right in
 * themselves, by index.
 */
async function validateRows(
  municipalityId: string,
  rows: readonly DirectoryEntryInput[],
): Promise<{ valid: (ValidEntryInput | undefined)[]; invalid: RowProblem[] }> {
  if (!/^\d{4}$/.test(municipalityId))
    throw invalidFields([{ field: 'municipalityId', problem: 'must be the four-digit SCB kommunkod' }]);
  if (rows.length > MAX_BULK_ROWS)
    throw invalidFields([{ field: 'rows', problem: `must be at most ${MAX_BULK_ROWS}, not ${rows.length}` }]);
  const problems: RowProblem[] = [];
  const valid: ValidEntryInput[] = [];
  await forEachRow(rows, (row, index) => {
    const parsed = directoryEntryInputSchema.safeParse(row);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push({ row: index, field: formatPath(issue.path), problem: issue.message });
    } else if (parsed.data.municipalityId !== municipalityId) {
      problems.push({
        row: index,
        field: 'municipalityId',
        problem: `is ${parsed.data.municipalityId}, but the import is for ${municipalityId}`,
      });
    } else {
      valid[index] = parsed.data;
    }
  });
  // Valid rows are compared with each other too, so one pass reports everything.
  problems.push(
    ...repeatsWithin(
      valid.map((row) => ({ id: row.id, claims: entryClaims(row) })),
      showListed,
    ),
  );
  return { valid, invalid: problems };
}

/** The values an entry lists, as the claims they would be in the admin store, each with its field. */
function entryClaims(entry: Pick<DirectoryEntry, 'extension' | 'phoneNumbers'>): Claim[] {
  return [
    ...(entry.extension === undefined ? [] : [{ claim: `extension:${entry.extension}`, field: 'extension' }]),
    ...entry.phoneNumbers.map((number, n) => ({ claim: `e164:${number}`, field: `phoneNumbers[${n}]` })),
  ];
}

/** A value an entry lists, as the directory's messages name it: "extension 2460123", "number 0935-141 23". */
function showListed(claim: string): string {
  return claim.startsWith('e164:') ? `number ${showClaim(claim)}` : showClaim(claim);
}
