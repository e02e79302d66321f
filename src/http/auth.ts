import type { MiddlewareHandler } from 'hono';
import type { Role, TokenRecord, TokenStore } from '../auth/token-store.js';
import { AppError } from '../errors.js';

export type AuthEnv = { Variables: { principal: TokenRecord } };

/** Requires `Authorization: Bearer <token>` of a known, unexpired token. The token is never logged. */
export function requireToken(tokens: TokenStore): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new AppError(401, 'unauthenticated', 'Send an API token as "Authorization: Bearer <token>"');
    const principal = await tokens.verify(match[1]);
    if (!principal) throw new AppError(401, 'unauthenticated', 'The API token is unknown, revoked or expired');
    c.set('principal', principal);
    await next();
  };
}

/** Requires one of `roles`; a region admin may do everything. */
export function requireRole(...roles: Role[]): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const { role } = c.get('principal');
    if (role !== 'region-admin' && !roles.includes(role)) {
      throw new AppError(403, 'forbidden', `This needs the role ${roles.join(' or ')}; the token has ${role}`);
    }
    await next();
  };
}
