import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Principal } from '../auth/access.js';
import { AppError } from '../errors.js';
import { invalidFields } from '../validation/field-problems.js';
import { asText, fromText } from './formula-cells.js';
import { rowProblemsOf, type RowProblem } from './row-problems.js';

/**
 * CSV files as IT staff exchange them with spreadsheets: UTF-8 with or without a byte-order
 * mark, comma- or semicolon-separated (Swedish Excel writes semicolons), a header row naming
 * the columns. Exports are written with a BOM and commas, so Excel shows å, ä and ö right and
 * the file imports again unchanged; a cell a spreadsheet would run as a formula is written as
 * text and read back as it was (formula-cells.ts).
 */

/** A kind of CSV file (directory entries, extensions): its columns and how a row becomes an input. */
export interface CsvFormat<Input> {
  /** Every column, in export order; an import may leave out all but `required`, in any order. */
  columns: readonly string[];
  required: readonly string[];
  /** The input of a row: cells by column name, empty cells as ''. */
  toInput(cells: Readonly<Record<string, string>>): Input;
  /** The column a problem with a field of the input is in (e.g. "phoneNumbers[1]" → "phoneNumbers"). */
  columnOf(field: string): string;
}

/** How one kind of object is imported and exported as CSV, one municipality per file (the API and `vaxel import` share it). */
export interface CsvTransfer<Input> {
  /** What a row is, in messages ("directory entries"). */
  what: string;
  format(municipalityId: string): CsvFormat<Input>;
  /** All or nothing; replace deletes the municipality's objects not in the file. */
  write(
    municipalityId: string,
    inputs: Input[],
    options: { mode: 'replace' | 'upsert'; dryRun: boolean; actor: Principal },
  ): Promise<ImportCounts>;
  /** Every object of the municipality as a row, in the format's columns. */
  exportRows(municipalityId: string): Promise<Record<string, string>[]>;
}

export interface CsvRow {
  /** 1-based line of the file where the row ends (the header is line 1). */
  line: number;
  cells: Record<string, string>;
}

/** A problem with an imported file, where a person fixing it looks: line and column. */
export interface CsvProblem {
  line: number;
  column: string;
  problem: string;
}

/** Values within one cell (several numbers or keywords) are separated by this. */
export const LIST_SEPARATOR = '|';

export const splitList = (cell: string): string[] =>
  cell
    .split(LIST_SEPARATOR)
    .map((value) => value.trim())
    .filter(Boolean);

export function readCsv(text: string, format: CsvFormat<unknown>): CsvRow[] {
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      delimiter,
      info: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = (error as CsvError & { lines?: number }).lines;
    throw new AppError(
      400,
      'invalid_csv',
      `The file is not valid CSV${line ? ` at line ${line}` : ''}: ${error.message}`,
      [{ field: line ? `line ${line}` : 'file', problem: error.message }],
    );
  }
  const [header, ...rows] = records;
  if (!header) throw invalidFields([{ field: 'file', problem: 'is empty: it needs a header row naming the columns' }]);
  const names = header.record;
  const problems = [
    ...names
      .filter((name) => !format.columns.includes(name))
      .map((name) => ({
        field: `column ${name || '(empty)'}`,
        problem: `is not a known column (known: ${format.columns.join(', ')})`,
      })),
    ...format.required
      .filter((name) => !names.includes(name))
      .map((name) => ({ field: `column ${name}`, problem: 'is required' })),
    ...names
      .filter((name, i) => names.indexOf(name) !== i)
      .map((name) => ({ field: `column ${name}`, problem: 'is given twice' })),
  ];
  if (problems.length > 0) throw invalidFields(problems);
  return rows.map(({ record, info }) => ({
    line: info.lines,
    cells: Object.fromEntries(format.columns.map((column) => [column, fromText(record[names.indexOf(column)] ?? '')])),
  }));
}

export function writeCsv(columns: readonly string[], rows: readonly Record<string, string>[]): string {
  const safe = rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([column, cell]) => [column, asText(cell)])),
  );
  return `\uFEFF${stringify(safe, { header: true, columns: [...columns] })}`;
}

/** Row problems as lines and columns of the file. */
function csvProblems(
  problems: readonly RowProblem[],
  rows: readonly CsvRow[],
  format: CsvFormat<unknown>,
): CsvProblem[] {
  return problems.map((p) => ({
    line: p.row >= 0 ? rows[p.row]!.line : 0,
    column: p.row >= 0 ? format.columnOf(p.field) : '',
    problem: inLines(p.problem, rows),
  }));
}

/** "rows[3]" in a message, as the line of the file it is. */
const inLines = (text: string, rows: readonly CsvRow[]) =>
  text.replace(/rows\[(\d+)\]/g, (_, row: string) => `line ${rows[Number(row)]?.line ?? '?'}`);

export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

export interface ImportReport extends ImportCounts {
  dryRun: boolean;
  rows: number;
  /** Only a dry run answers with problems; a real run with problems is refused (and changes nothing). */
  problems: CsvProblem[];
}

export interface ImportProgress {
  (phase: 'reading' | 'writing' | 'done', done: number, total: number): void;
}

/**
 * Reads a CSV file and hands its rows to `write` (a store's all-or-nothing bulk write). Every
 * problem comes back named by line and column: in a dry run as the report's problems, in a
 * real run as the refusal's details, with nothing changed.
 */
export async function importCsv<Input>(
  text: string,
  format: CsvFormat<Input>,
  write: (inputs: Input[], dryRun: boolean) => Promise<ImportCounts>,
  { dryRun, onProgress }: { dryRun: boolean; onProgress?: ImportProgress },
): Promise<ImportReport> {
  const rows = readCsv(text, format);
  const inputs: Input[] = [];
  for (const row of rows) {
    inputs.push(format.toInput(row.cells));
    if (inputs.length % 1000 === 0) onProgress?.('reading', inputs.length, rows.length);
  }
  onProgress?.('writing', rows.length, rows.length);
  try {
    // Only the counts: a store's result also holds every row as stored, too much for an answer.
    const { created, updated, unchanged, deleted } = await write(inputs, dryRun);
    onProgress?.('done', rows.length, rows.length);
    return { dryRun, rows: rows.length, created, updated, unchanged, deleted, problems: [] };
  } catch (error) {
    const problems = rowProblemsOf(error);
    if (!problems) throw error;
    const located = csvProblems(problems, rows, format);
    if (dryRun)
      return { dryRun, rows: rows.length, created: 0, updated: 0, unchanged: 0, deleted: 0, problems: located };
    const refusal = error as AppError;
    throw new AppError(refusal.status, refusal.code, inLines(refusal.message, rows), located);
  }
}
