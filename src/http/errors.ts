import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AppError } from '../errors.js';
import { log } from '../log.js';

/**
 * The one place errors become HTTP answers: {error: {code, message, details?}}. A caller's
 * mistake keeps its status; anything unexpected is a 500 that says nothing internal.
 */
export function handleError(error: Error, c: Context): Response {
  if (error instanceof AppError) {
    return c.json({ error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } }, error.status);
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    return c.json({ error: { code: status === 400 ? 'invalid_request' : 'http_error', message: error.message || 'Request not accepted' } }, status);
  }
  log.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
  return c.json({ error: { code: 'internal_error', message: 'Something went wrong on our side; it has been logged' } }, 500);
}

export function notFound(c: Context): Response {
  return c.json({ error: { code: 'not_found', message: `No such endpoint: ${c.req.method} ${c.req.path}` } }, 404);
}
