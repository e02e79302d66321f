import { AppError } from '../errors.js';

/**
 * What is wrong with rows of an import (a CSV file, or a bulk write's list), all of them at
 * once, so that a file can be fixed in one go. `row` is the 0-based index into the rows; a CSV
 * import turns it into the file's line number (csv-table.ts).
 */
export interface RowProblem {
  row: number;
  /** The field within the row, e.g. "phoneNumbers[1]". */
  field: string;
  problem: string;
}

/** A 400 or 409 lists this many problems at most, so a wholly wrong file still gives a readable answer. */
export const MAX_LISTED_PROBLEMS = 50;

/** Rows that are wrong in themselves (or against each other): nothing was written. */
export function invalidRows(problems: RowProblem[]): AppError {
  return rowsRefused(400, 'invalid_rows', problems);
}

/** Rows that conflict with what is stored (a number another municipality has): nothing was written. */
export function importConflicts(problems: RowProblem[]): AppError {
  return rowsRefused(409, 'import_conflicts', problems);
}

function rowsRefused(status: 400 | 409, code: string, problems: RowProblem[]): AppError {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
  const more = problems.length - listed.length;
  const lines = listed.map((p) => `rows[${p.row}].${p.field}: ${p.problem}`);
  const message = `${problems.length} problem${problems.length === 1 ? '' : 's'}, nothing was changed: ${lines.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`;
  return new AppError(
    status,
    code,
    message,
    more > 0 ? [...listed, { row: -1, field: 'rows', problem: `${more} more problems not listed` }] : listed,
  );
}

/**
 * Throws when an import found problems: invalid_rows (400) when any row is wrong in itself or
 * against the others, listing the conflicts of the other rows too; else import_conflicts (409)
 * for rows against what is stored. Each list in row order.
 */
export function assertNoRowProblems(invalid: RowProblem[], conflicts: RowProblem[]): void {
  const byRow = (a: RowProblem, b: RowProblem) => a.row - b.row;
  if (invalid.length > 0) throw invalidRows([...invalid, ...conflicts].sort(byRow));
  if (conflicts.length > 0) throw importConflicts(conflicts.sort(byRow));
}

/** The problems of a refusal by invalidRows or importConflicts, or undefined for any other error. */
export function rowProblemsOf(error: unknown): RowProblem[] | undefined {
  return error instanceof AppError && (error.code === 'invalid_rows' || error.code === 'import_conflicts')
    ? (error.details as RowProblem[])
    : undefined;
}

/** What a row of an import names: an object (its id, when the row gives one) and the region-wide values it claims, each with its field. */
export interface RowClaims {
  id?: string | undefined;
  claims: readonly { claim: string; field: string }[];
}

/**
 * The one check for a value found twice in one import, for every store that imports: the rows
 * that repeat an id or a claimed value ("extension:2460123") of an earlier row, each problem
 * naming the first row; `show` names a claimed value in the message, and is called only for a
 * repeat (formatting every number of 50 000 rows takes half a second). A row that repeats an
 * id is one object twice: its claims are that object's, not a second claimant's, so they are
 * not checked again. Rows undefined (wrong in themselves) are passed over.
 */
export function repeatsWithin(rows: readonly (RowClaims | undefined)[], show: (claim: string) => string): RowProblem[] {
  const problems: RowProblem[] = [];
  const firstRow = new Map<string, number>();
  const once = (row: number, key: string, field: string, what: () => string): boolean => {
    const first = firstRow.get(key);
    if (first === undefined) firstRow.set(key, row);
    else problems.push({ row, field, problem: `${what()} is also in rows[${first}]` });
    return first === undefined;
  };
  rows.forEach((r, row) => {
    if (!r || (r.id !== undefined && !once(row, `id:${r.id}`, 'id', () => `id ${r.id}`))) return;
    for (const { claim, field } of r.claims) once(row, `claim:${claim}`, field, () => show(claim));
  });
  return problems;
}
