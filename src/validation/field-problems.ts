import type { z } from 'zod';
import { formatPath } from '../config/load-region.js';
import { AppError } from '../errors.js';

/** Where in the request a value came from, as named in error messages. */
const PART_NAMES: Record<string, string> = {
  json: 'body',
  form: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
  cookie: 'cookie',
};

export interface FieldProblem {
  field: string;
  problem: string;
}

/**
 * The 400 for a request that failed validation: one message naming every bad field
 * ("body.phone: must be a SIP URI ..."), and the same list as details, for every endpoint.
 * A field the endpoint does not know is named itself ("body.municipality: is not a known
 * field"), so a misspelt name points at the misspelling.
 */
export function invalidRequest(issues: readonly z.core.$ZodIssue[], target: string): AppError {
  const part = PART_NAMES[target] ?? target;
  const field = (path: readonly PropertyKey[]) => [part, formatPath(path)].filter(Boolean).join('.');
  return invalidFields(
    issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ field: field([...issue.path, key]), problem: 'is not a known field' }))
        : [{ field: field(issue.path), problem: issue.message }],
    ),
  );
}

/** The same 400 for problems found beyond the schema (e.g. a municipality that is not a member). */
export function invalidFields(problems: FieldProblem[]): AppError {
  return new AppError(400, 'invalid_request', problems.map((p) => `${p.field}: ${p.problem}`).join('; '), problems);
}
