import { LIST_SEPARATOR, splitList, type CsvFormat, type CsvTransfer } from '../../import/csv-table.js';
import type { ImportProgress } from '../../import/staged-import.js';
import type { DirectoryEntry, DirectoryEntryInput } from './entry-schema.js';
import type { DirectoryEntryStore } from './entry-store.js';

/**
 * Directory entries as CSV, one municipality per file (the municipality is the import's, not a
 * column). A person has givenName and familyName, a department or function a name (a person's
 * name column is exported for reading and ignored on import). Several keywords or numbers in
 * one cell are separated by "|"; numbers in any Swedish notation. The hänvisning is three
 * columns; all empty means none. An id keeps an entry across export and import.
 */
export const ENTRY_COLUMNS = [
  'id',
  'kind',
  'givenName',
  'familyName',
  'name',
  'title',
  'department',
  'keywords',
  'location',
  'phoneNumbers',
  'extension',
  'email',
  'absenceReason',
  'absenceText',
  'absenceUntil',
] as const;

const optional = (cell: string | undefined) => (cell ? cell : undefined);

function entryCsvFormat(municipalityId: string): CsvFormat<DirectoryEntryInput> {
  return {
    columns: ENTRY_COLUMNS,
    required: ['kind'],
    toInput(cells) {
      const absent = cells.absenceReason || cells.absenceText || cells.absenceUntil;
      const common = {
        id: optional(cells.id),
        municipalityId,
        title: optional(cells.title),
        department: optional(cells.department),
        keywords: splitList(cells.keywords ?? ''),
        location: optional(cells.location),
        phoneNumbers: splitList(cells.phoneNumbers ?? ''),
        extension: optional(cells.extension),
        email: optional(cells.email),
        absence: absent
          ? { reason: cells.absenceReason, text: optional(cells.absenceText), until: optional(cells.absenceUntil) }
          : null,
      };
      // The schema names what is wrong with kind and the name columns; nothing is guessed here.
      return (
        cells.kind === 'person'
          ? { kind: 'person', givenName: cells.givenName, familyName: cells.familyName, ...common }
          : { kind: cells.kind, name: cells.name, ...common }
      ) as DirectoryEntryInput;
    },
    columnOf(field) {
      const top = field.split(/[.[]/)[0]!;
      if (top === 'absence') return `absence${(field.split('.')[1] ?? 'reason').replace(/^./, (c) => c.toUpperCase())}`;
      return (ENTRY_COLUMNS as readonly string[]).includes(top) ? top : field;
    },
  };
}

function entryToCsvRow(entry: DirectoryEntry): Record<string, string> {
  return {
    id: entry.id,
    kind: entry.kind,
    givenName: entry.givenName ?? '',
    familyName: entry.familyName ?? '',
    name: entry.name,
    title: entry.title ?? '',
    department: entry.department ?? '',
    keywords: entry.keywords.join(LIST_SEPARATOR),
    location: entry.location ?? '',
    phoneNumbers: entry.phoneNumbers.join(LIST_SEPARATOR),
    extension: entry.extension ?? '',
    email: entry.email ?? '',
    absenceReason: entry.absence?.reason ?? '',
    absenceText: entry.absence?.text ?? '',
    absenceUntil: entry.absence?.until ?? '',
  };
}

/** `onProgress`: how far each import is staged, checked and written (`vaxel import`'s progress bar). */
export function entryCsvTransfer(
  entries: DirectoryEntryStore,
  { onProgress }: { onProgress?: ImportProgress } = {},
): CsvTransfer<DirectoryEntryInput> {
  return {
    what: 'directory entries',
    format: entryCsvFormat,
    write: (municipalityId, rows, { mode, dryRun, actor }) =>
      (mode === 'replace' ? entries.bulkReplace : entries.bulkUpsert)(municipalityId, rows, actor, {
        dryRun,
        onProgress,
      }),
    async exportRows(municipalityId) {
      const rows: Record<string, string>[] = [];
      let cursor: string | undefined;
      do {
        const page = await entries.list(municipalityId, { limit: 500, ...(cursor ? { cursor } : {}) });
        rows.push(...page.entries.map(entryToCsvRow));
        cursor = page.nextCursor;
      } while (cursor);
      return rows;
    },
  };
}
