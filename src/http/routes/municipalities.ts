import { createRoute } from '@hono/zod-openapi';
import { scopedMunicipality } from '../../auth/access.js';
import type { MunicipalityConfig, RegionConfig } from '../../config/region-schema.js';
import { AppError } from '../../errors.js';
import { formatForDisplay } from '../../numbers/phone-number.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { apiRouter, errors, jsonResponse } from '../openapi.js';
import { MunicipalityIdSchema, z } from '../../validation/schema.js';

/**
 * /api/v1/municipalities: the members as config/region.yaml makes them. Membership, numbers and
 * ranges are configuration (a municipality joining or leaving is a config change, reviewed and
 * deployed); what each municipality's IT staff change themselves has its own resource, linked here.
 */

const MunicipalitySchema = z
  .object({
    id: z.string().openapi({ example: '2460', description: 'SCB kommunkod' }),
    name: z.string().openapi({ example: 'Vännäs' }),
    mainNumbers: z.array(z.object({ number: z.string(), display: z.string() })),
    directDialRanges: z.array(z.object({ from: z.string(), to: z.string(), display: z.string() })),
    extensionRanges: z.array(z.object({ from: z.string(), to: z.string() })),
    serviceLevelSeconds: z
      .number()
      .int()
      .openapi({ description: 'A call answered within this many seconds counts as within service level' }),
    links: z.object({
      openingHours: z.string(),
      openingHoursExceptions: z.string(),
      greeting: z.string(),
      extensions: z.string(),
      directory: z.string(),
      queue: z.string(),
    }),
  })
  .openapi('Municipality');
export type MunicipalityView = z.infer<typeof MunicipalitySchema>;

function view(m: MunicipalityConfig) {
  return {
    id: m.id,
    name: m.name,
    mainNumbers: m.mainNumbers.map((number) => ({ number, display: formatForDisplay(number) })),
    directDialRanges: m.directDialRanges.map(({ from, to }) => ({
      from,
      to,
      display: `${formatForDisplay(from)} – ${formatForDisplay(to)}`,
    })),
    extensionRanges: m.extensionRanges.map(({ from, to }) => ({ from: String(from), to: String(to) })),
    serviceLevelSeconds: m.serviceLevelSeconds,
    links: {
      openingHours: `/api/v1/opening-hours/${m.id}`,
      openingHoursExceptions: `/api/v1/opening-hours-exceptions?municipality=${m.id}`,
      greeting: `/api/v1/greetings/${m.id}`,
      extensions: `/api/v1/extensions?municipality=${m.id}`,
      directory: `/api/v1/directory/entries?municipality=${m.id}`,
      queue: `/api/v1/queues/${m.id}`,
    },
  };
}

const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['Municipalities'],
  summary: 'The member municipalities (a municipality admin sees their own)',
  responses: {
    200: jsonResponse('The members, by kommunkod', z.object({ municipalities: z.array(MunicipalitySchema) })),
    ...errors(401, 403),
  },
});

const read = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['Municipalities'],
  summary: 'One member municipality',
  request: { params: z.object({ id: MunicipalityIdSchema }) },
  responses: { 200: jsonResponse('The municipality', MunicipalitySchema), ...errors(400, 401, 403, 404) },
});

export function municipalityRoutes({ region }: { region: RegionConfig }) {
  const members = [...region.municipalities].sort((a, b) => a.id.localeCompare(b.id));
  const router = apiRouter<AuthEnv>();
  router.use(requirePermission('directory:read'));
  return router
    .openapi(list, (c) => {
      const principal = c.get('principal');
      const own = principal.role === 'municipality-admin' ? scopedMunicipality(principal, undefined) : undefined;
      return c.json({ municipalities: members.filter((m) => own === undefined || m.id === own).map(view) }, 200);
    })
    .openapi(read, (c) => {
      const { id } = c.req.valid('param');
      scopedMunicipality(c.get('principal'), id);
      const m = members.find((member) => member.id === id);
      if (!m) throw new AppError(404, 'municipality_not_found', `No member municipality has the id ${id}`);
      return c.json(view(m), 200);
    });
}
