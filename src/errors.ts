/**
 * The one error type that carries an HTTP status and a stable machine-readable code from
 * wherever a caller's mistake or a conflict is detected (store, routing, API) to the
 * single error handler that turns it into JSON. Anything else is an internal error (500).
 */
export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 422 | 428 | 429 | 503,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
