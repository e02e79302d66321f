import type { z } from 'zod';
import { formatPath } from '../config/load-region.js';
import { AppError } from '../errors.js';

/** Where in the request a value came from, as named in error messages. */
const PART_NAMES: Record<string, string> = { json: 'body', form: 'body', query: 'query', param: 'path', header: 'header', cookie: 'cookie' };

/**
 * The 400 for a request that failed validation: one message naming every bad field
 * ("body.phone: must be a SIP URI ..."), and the same list as details, for every endpoint.
 */
export function invalidRequest(issues: readonly z.core.$ZodIssue[], target: string): AppError {
  const part = PART_NAMES[target] ?? target;
  const problems = issues.map((issue) => ({
    field: [part, formatPath(issue.path)].filter(Boolean).join('.'),
    problem: issue.message,
  }));
  return new AppError(400, 'invalid_request', problems.map((p) => `${p.field}: ${p.problem}`).join('; '), problems);
}
