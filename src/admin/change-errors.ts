import { ErrorReply } from 'redis';
import { AppError } from '../errors.js';
import { formatForDisplay } from '../numbers/phone-number.js';
import type { Claim } from './versioned-store.js';

/** How the versioned store's refusals read: each names the field and what holds or needs the value. */

/** A claimed value as people read it: "0935-141 23", "extension 2460123". */
export function showClaim(claim: string): string {
  const [kind, value] = [claim.slice(0, claim.indexOf(':')), claim.slice(claim.indexOf(':') + 1)];
  return kind === 'e164' ? formatForDisplay(value) : `${kind} ${value}`;
}

/** A 409 naming the body field in conflict, in the shape of a 400's (http/validation.ts). */
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

/** The script's "RV <code> <detail>" as the AppError it stands for; anything else is rethrown as it is (a 500). */
export function scriptError(
  error: unknown,
  s: { id: string; type: string; label: string; deleting: boolean; basedOn: number; claims: Claim[]; refs: Claim[]; notFound: (id: string) => AppError },
): unknown {
  const match = error instanceof ErrorReply ? /^RV (\w+) (\{.*\})/s.exec(error.message) : null;
  if (!match) return error;
  const detail = JSON.parse(match[2]!) as { claim?: string; label?: string; version?: number; key?: string };
  const fieldOf = (list: Claim[]) => list.find((c) => c.claim === detail.claim)?.field ?? 'claim';
  switch (match[1]) {
    case 'admin_not_found':
      return s.notFound(s.id);
    case 'admin_exists':
      return new AppError(409, `${s.type}_exists`, `${s.label} exists already: change it (PATCH ${s.id}) instead`);
    case 'version_mismatch':
      return staleVersion(s.type, s.id, detail.version ?? 0, s.basedOn);
    case 'claim_taken':
      return conflict('claim_taken', fieldOf(s.claims), `${showClaim(detail.claim!)} is already held by ${detail.label}`);
    case 'claim_in_use':
      return s.deleting
        ? new AppError(409, 'claim_in_use', `${s.label} cannot be deleted while ${detail.label} points at it`)
        : conflict('claim_in_use', fieldOf(s.claims), `${showClaim(detail.claim!)} cannot change while ${detail.label} points at it`);
    case 'reference_missing':
      return conflict('reference_missing', fieldOf(s.refs), `no ${showClaim(detail.claim!)} exists`);
    default:
      return error;
  }
}
