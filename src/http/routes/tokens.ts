import { createRoute } from '@hono/zod-openapi';
import { regionRules } from '../../admin/region-rules.js';
import { ROLES, SELF_ROLE, assertInScope, scopedMunicipality } from '../../auth/access.js';
import {
  type TokenRecord,
  type TokenStore,
  isExpired,
  newTokenSchema,
  parseTokenCursor,
} from '../../auth/token-store.js';
import type { RegionConfig } from '../../config/region-schema.js';
import { AppError } from '../../errors.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { apiRouter, errors, jsonResponse } from '../openapi.js';
import { MunicipalityIdSchema, pageLimit, z } from '../../validation/schema.js';

const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    // A self session is a token record too, though never listed (auth/token-store.ts createSession).
    role: z.enum([...ROLES, SELF_ROLE]),
    municipalityId: z.string().optional(),
    createdAt: z.string(),
    createdBy: z.string(),
    expiresAt: z.string().optional().openapi({ description: 'Absent only on tokens made before every token expired' }),
    expired: z.boolean().openapi({
      description: 'Expired and refused; listed for EXPIRED_TOKEN_GRACE_DAYS (30) after expiry, then gone',
    }),
  })
  .openapi('Token');

const tokenView = (record: TokenRecord) => ({ ...record, expired: isExpired(record) });

const listTokens = createRoute({
  method: 'get',
  path: '/',
  tags: ['Tokens'],
  summary:
    'The tokens (never the secrets) in creation order, a page at a time; a municipality admin sees their municipality’s',
  request: {
    query: z
      .object({
        municipality: MunicipalityIdSchema.optional(),
        limit: pageLimit(50),
        cursor: z
          .string()
          .max(100)
          .transform(
            (cursor, ctx) =>
              parseTokenCursor(cursor) ??
              (ctx.addIssue({ code: 'custom', message: 'is not a cursor from a previous page' }), z.NEVER),
          )
          .optional()
          .openapi({ type: 'string', description: 'nextCursor of the previous page' }),
      })
      .strict(),
  },
  responses: {
    200: jsonResponse(
      'A page of tokens; nextCursor is absent on the last',
      z.object({ tokens: z.array(TokenSchema), nextCursor: z.string().optional() }),
    ),
    ...errors(400, 401, 403),
  },
});
const revokeToken = createRoute({
  method: 'delete',
  path: '/{tokenId}',
  tags: ['Tokens'],
  summary: 'Revoke a token at once',
  request: { params: z.object({ tokenId: z.string().regex(/^[0-9a-f]{16}$/, 'must be a token id (16 hex digits)') }) },
  responses: { 204: { description: 'Revoked' }, ...errors(400, 401, 403, 404) },
});

export function tokenRoutes(deps: { tokens: TokenStore; region: RegionConfig }) {
  // The body is checked against the region's members, as `vaxel token create` checks its arguments.
  const createToken = createRoute({
    method: 'post',
    path: '/',
    tags: ['Tokens'],
    summary: 'Make a token; the secret is in this answer only',
    request: {
      body: {
        required: true,
        content: {
          'application/json': { schema: newTokenSchema(regionRules(deps.region).isMember).openapi('NewToken') },
        },
      },
    },
    responses: {
      201: jsonResponse('Created', z.object({ token: z.string(), record: TokenSchema })),
      ...errors(400, 401, 403),
    },
  });

  const read = apiRouter<AuthEnv>();
  read.use(requirePermission('tokens:read'));
  read.openapi(listTokens, async (c) => {
    const { municipality, limit, cursor } = c.req.valid('query');
    const page = await deps.tokens.list({
      municipalityId: scopedMunicipality(c.get('principal'), municipality),
      limit,
      after: cursor,
    });
    return c.json(
      { tokens: page.items.map(tokenView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
      200,
    );
  });

  const write = apiRouter<AuthEnv>();
  write.use(requirePermission('tokens:write'));
  write
    .openapi(createToken, async (c) => {
      const principal = c.get('principal');
      const body = c.req.valid('json');
      // A municipality admin makes tokens for their own municipality only, and only their own
      // role's: an operator token reads every municipality's calls, whatever employer it names.
      assertInScope(principal, body.municipalityId);
      if (principal.role === 'municipality-admin' && body.role !== 'municipality-admin') {
        throw new AppError(
          403,
          'forbidden',
          `A municipality admin makes municipality-admin tokens only; a region admin makes ${body.role} tokens`,
          [{ field: 'body.role', problem: 'must be municipality-admin for a token made by a municipality admin' }],
        );
      }
      const { token, record } = await deps.tokens.create(body, principal);
      return c.json({ token, record: tokenView(record) }, 201);
    })
    .openapi(revokeToken, async (c) => {
      const principal = c.get('principal');
      const { tokenId } = c.req.valid('param');
      const record = await deps.tokens.get(tokenId);
      if (!record) throw new AppError(404, 'token_not_found', `No token has the id ${tokenId}`);
      assertInScope(principal, record.municipalityId);
      await deps.tokens.revoke(tokenId, principal);
      return c.body(null, 204);
    });

  return apiRouter<AuthEnv>().route('/', read).route('/', write);
}
