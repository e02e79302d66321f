import { createRoute } from '@hono/zod-openapi';
import { REGION_SCOPE, type AuditLog } from '../../audit/audit-log.js';
import { StreamIdSchema } from '../../store/stream-id.js';
import { scopedMunicipality } from '../../auth/access.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { apiRouter, errors } from '../openapi.js';
import { MunicipalityIdSchema, pageLimit, z } from '../../validation/schema.js';

const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.object({ id: z.string(), name: z.string(), role: z.string() }),
    action: z.enum(['create', 'update', 'delete']),
    object: z.object({ type: z.string(), id: z.string() }),
    municipalityId: z.string().optional(),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
  })
  .openapi('AuditEntry');

const queryAudit = createRoute({
  method: 'get',
  path: '/',
  tags: ['Audit'],
  summary:
    'Admin changes, newest first: of one municipality, or region-wide ones when none is given; none older than AUDIT_RETENTION_DAYS',
  request: {
    query: z
      .object({
        municipality: MunicipalityIdSchema.optional(),
        objectType: z.string().max(50).optional(),
        objectId: z.string().max(100).optional(),
        limit: pageLimit(50),
        before: StreamIdSchema.optional().openapi({ description: 'The id of the last entry of the previous page' }),
      })
      .strict(),
  },
  responses: {
    200: {
      description: 'Entries',
      content: { 'application/json': { schema: z.object({ entries: z.array(AuditEntrySchema) }) } },
    },
    ...errors(400, 401, 403),
  },
});

export function auditRoutes(deps: { audit: AuditLog }) {
  const router = apiRouter<AuthEnv>();
  router.use(requirePermission('audit:read'));
  return router.openapi(queryAudit, async (c) => {
    const { municipality, ...filter } = c.req.valid('query');
    const scope = scopedMunicipality(c.get('principal'), municipality) ?? REGION_SCOPE;
    return c.json({ entries: await deps.audit.query({ scope, ...filter }) }, 200);
  });
}
