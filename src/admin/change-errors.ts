import { AppError } from '../errors.js';
import type { FieldProblem } from '../validation/field-problems.js';
import type { RowProblem } from '../import/row-problems.js';
import { formatForDisplay } from '../numbers/phone-number.js';
import type { ScriptFailure } from '../store/scripts.js';
import type { Claim } from './claim.js';

/** How the versioned store's refusals read: each names the field and what holds or needs the value. */

/** A claimed value as people read it: "0935-141 23", "extension 2460123", "directory entry 9f3a". */
export function showClaim(claim: string): string {
  const [kind, value] = [claim.slice(0, claim.indexOf(':')), claim.slice(claim.indexOf(':') + 1)];
  return kind === 'e164' ? formatForDisplay(value) : `${kind.replaceAll('-', ' ')} ${value}`;
}

/** A 409 naming the body field in conflict, in the shape of a 400's (validation/field-problems.ts). */
export function conflict(code: string, field: string, problem: string): AppError {
  return new AppError(409, code, `body.${field}: ${problem}`, [{ field: `body.${field}`, problem }]);
}

export function staleVersion(type: string, id: string, stored: number, basedOn: number): AppError {
  return new AppError(
    412,
    'version_mismatch',
    `The ${type} ${id} is at version ${stored}, not ${basedOn} (If-Match): someone changed it since you read it. Read it again (GET) and apply your change to that version.`,
    [{ field: 'header.if-match', problem: `the current ETag is "${stored}"` }],
  );
}

/** What a change to a versioned object is, for the refusals every versioned store meets alike. */
export interface VersionedSubject {
  /** The object's kind in messages ("extension", "directory entry"). */
  type: string;
  id: string;
  /** The version the change was based on (the caller's If-Match; 0 for a new object). */
  basedOn: number;
  notFound: (id: string) => AppError;
  /** The refusal of a new object whose id is taken. */
  exists: () => AppError;
}

/**
 * The one mapping of the version rule's refusals (store/lua/_admin.lua's version_problem: exists,
 * not_found, version_mismatch {version}), for admin objects and directory entries alike;
 * undefined for any other code.
 */
export function versionFailure({ code, detail }: ScriptFailure, s: VersionedSubject): AppError | undefined {
  switch (code) {
    case 'not_found':
      return s.notFound(s.id);
    case 'exists':
      return s.exists();
    case 'version_mismatch':
      return staleVersion(s.type, s.id, Number(detail.version ?? 0), s.basedOn);
    default:
      return undefined;
  }
}

/** What a change is, for naming it in a refusal. */
export interface ChangeSubject {
  id: string;
  type: string;
  label: string;
  deleting: boolean;
  basedOn: number;
  /** Its claims, before and after the change: a conflict names the field holding the value. */
  claims: Claim[];
  refs: Claim[];
}

/** A refusal of admin_check (store/lua/_admin.lua): its code and detail. */
export interface CheckProblem {
  code: string;
  claim?: string;
  label?: string;
  version?: number;
  /** reference_missing: the municipality of what the ref names, when it exists but is another's. */
  municipalityId?: string;
}

/** The field and problem of a claim the script refused (claim_taken, claim_in_use, reference_missing), or undefined for another code. */
function claimProblem(p: CheckProblem, s: ChangeSubject): FieldProblem | undefined {
  const fieldOf = (list: Claim[]) => list.find((c) => c.claim === p.claim)?.field ?? 'claim';
  switch (p.code) {
    case 'claim_taken':
      return { field: fieldOf(s.claims), problem: `${showClaim(p.claim!)} is already held by ${p.label}` };
    case 'claim_in_use':
      return s.deleting
        ? {
            field: fieldOf(s.claims),
            problem: `${s.label} cannot be deleted while ${p.label} points at it (${showClaim(p.claim!)})`,
          }
        : { field: fieldOf(s.claims), problem: `${showClaim(p.claim!)} cannot change while ${p.label} points at it` };
    case 'reference_missing':
      return {
        field: fieldOf(s.refs),
        problem:
          p.municipalityId === undefined
            ? `no ${showClaim(p.claim!)} exists`
            : `${showClaim(p.claim!)} is ${p.municipalityId}'s: only one of the ${s.type}'s own municipality can be linked`,
      };
    default:
      return undefined;
  }
}

/** admin-change-3.lua's refusal as the AppError it stands for (runScript's explain); undefined for one that is not the caller's (key_type: a 500). */
export function changeFailure(
  failure: ScriptFailure,
  s: ChangeSubject & { notFound: (id: string) => AppError },
): AppError | undefined {
  const versioned = versionFailure(failure, {
    ...s,
    exists: () => new AppError(409, `${s.type}_exists`, `${s.label} exists already: change it (PATCH ${s.id}) instead`),
  });
  if (versioned) return versioned;
  const p: CheckProblem = { ...(failure.detail as Omit<CheckProblem, 'code'>), code: failure.code };
  switch (p.code) {
    case 'claim_in_use':
      if (s.deleting)
        return new AppError(409, 'claim_in_use', `${s.label} cannot be deleted while ${p.label} points at it`);
      break;
    case 'key_type':
      return undefined;
  }
  const claim = claimProblem(p, s);
  return claim ? conflict(p.code, claim.field, claim.problem) : undefined;
}

/**
 * A problem an import's checks (store/lua/_import.lua) found with one change, as the row
 * problem of an import_conflicts (row -1: a deletion of replace mode). Someone else's change
 * between the import's read and its checks (a version moved, an object added) asks for the
 * import again.
 */
export function importProblem(row: number, p: CheckProblem, s: ChangeSubject): RowProblem {
  const again = 'while the import was prepared: import again';
  switch (p.code) {
    case 'exists':
      return { row, field: 'id', problem: `${s.label} exists already` };
    case 'not_found':
      return { row, field: 'id', problem: `${s.label} was deleted ${again}` };
    case 'version_mismatch':
      return {
        row,
        field: 'id',
        problem: `${s.label} was changed (to version ${p.version}, read at ${s.basedOn}) ${again}`,
      };
    case 'admin_added':
      return { row, field: 'id', problem: `${s.label} is not among the rows: it was added ${again}` };
    default:
      return { row, ...(claimProblem(p, s) ?? { field: 'id', problem: `refused (${p.code})` }) };
  }
}
