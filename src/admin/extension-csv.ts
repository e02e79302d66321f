import type { CsvFormat, CsvTransfer } from '../import/csv-table.js';
import { readInSlices, type ImportProgress } from '../import/staged-import.js';
import type { ExtensionDoc, ExtensionInput, ExtensionStore } from './extensions.js';

/**
 * Extensions as CSV, one municipality per file. A row names its extension by number: an
 * extension of the municipality with that number (or the row's id, as exported) is changed,
 * any other is new. The password column is for new extensions and for changing a password; it
 * is always empty in an export (only the digest is stored), and an empty cell keeps the stored one.
 */
const COLUMNS = ['id', 'extension', 'displayName', 'directNumber', 'directoryEntryId', 'password'] as const;

const optional = (cell: string | undefined) => (cell ? cell : undefined);

function extensionCsvFormat(municipalityId: string): CsvFormat<ExtensionInput & { id?: string | undefined }> {
  return {
    columns: COLUMNS,
    required: ['extension', 'displayName'],
    toInput: (cells) => ({
      id: optional(cells.id),
      extension: cells.extension ?? '',
      displayName: cells.displayName ?? '',
      municipalityId,
      directNumber: optional(cells.directNumber),
      directoryEntryId: optional(cells.directoryEntryId),
      password: optional(cells.password),
    }),
    columnOf: (field) => field.split(/[.[]/)[0]!,
  };
}

function toRow({ id, doc }: { id: string; doc: ExtensionDoc }): Record<string, string> {
  return {
    id,
    extension: doc.extension,
    displayName: doc.displayName,
    directNumber: doc.directNumber ?? '',
    directoryEntryId: doc.directoryEntryId ?? '',
    password: '',
  };
}

/** A file's rows looked up at once (one pipeline): a whole file's would hold up the connection's other commands. */
const LOOKUP_SLICE = 500;

/** `onProgress`: how far each import is staged, checked and written (`vaxel import`'s progress bar). */
export function extensionCsvTransfer(
  store: ExtensionStore,
  { onProgress }: { onProgress?: ImportProgress } = {},
): CsvTransfer<ExtensionInput & { id?: string | undefined }> {
  return {
    what: 'extensions',
    format: extensionCsvFormat,
    async write(municipalityId, inputs, { mode, dryRun, actor }) {
      // A row without id changes the extension of its municipality that has its number, if there is one.
      const rows = await readInSlices(inputs, LOOKUP_SLICE, (slice) =>
        Promise.all(
          slice.map(async ({ id, ...input }) => {
            const holder = id ?? (await store.idByClaim(`extension:${input.extension}`));
            const own =
              holder !== undefined && id === undefined
                ? (await store.get(holder))?.doc.municipalityId === municipalityId
                : true;
            return { id: own ? holder : undefined, input };
          }),
        ),
      );
      return store.bulkWrite(municipalityId, rows, mode, actor, { dryRun, onProgress });
    },
    async exportRows(municipalityId) {
      const rows: Record<string, string>[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ municipalityId, limit: 500, cursor });
        rows.push(...page.items.map(toRow));
        cursor = page.nextCursor;
      } while (cursor);
      return rows;
    },
  };
}
