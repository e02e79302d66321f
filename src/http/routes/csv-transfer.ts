import { createRoute } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Principal } from '../../auth/access.js';
import { scopedMunicipality } from '../../auth/access.js';
import { AppError } from '../../errors.js';
import { importCsv, writeCsv, type CsvTransfer } from '../../import/csv-table.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { apiRouter, errors, jsonResponse } from '../openapi.js';
import { MunicipalityIdSchema, z } from '../../validation/schema.js';
import { invalidFields } from '../../validation/field-problems.js';

/** A CSV import may be this large: 50 000 rows of a few hundred bytes. Other requests keep the API's 1 MiB. */
export const MAX_CSV_BYTES = 20 * 1024 * 1024;

const ProblemSchema = z
  .object({ line: z.number().int(), column: z.string(), problem: z.string() })
  .openapi('CsvProblem');
const ReportSchema = z
  .object({
    dryRun: z.boolean(),
    rows: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    deleted: z.number().int(),
    problems: z.array(ProblemSchema).openapi({
      description:
        'Only in a dry run: every bad row by line and column. A real run with problems is refused (400/409) with them as details.',
    }),
  })
  .openapi('ImportReport');
export type ImportReportView = z.infer<typeof ReportSchema>;

const MunicipalityQuery = MunicipalityIdSchema.optional().openapi({
  description: 'Required unless the token is a municipality admin’s',
});

/** POST /import (text/csv) and GET /export for one kind of object; `tag` groups them in the OpenAPI document. */
export function csvTransferRoutes<Input>(tag: string, transfer: CsvTransfer<Input>) {
  const importRoute = createRoute({
    method: 'post',
    path: '/import',
    tags: [tag],
    summary: `Import ${transfer.what} of one municipality from CSV: all or nothing; dryRun=true reports every bad row`,
    request: {
      query: z
        .object({
          municipality: MunicipalityQuery,
          mode: z
            .enum(['replace', 'upsert'])
            .default('upsert')
            .openapi({ description: `replace: the municipality’s ${transfer.what} not in the file are deleted` }),
          dryRun: z.enum(['true', 'false']).default('false'),
        })
        .strict(),
      body: {
        required: true,
        content: {
          'text/csv': {
            schema: z.string().openapi({
              description: `UTF-8, comma- or semicolon-separated, header row; at most ${MAX_CSV_BYTES / 1024 / 1024} MiB`,
            }),
          },
        },
      },
    },
    responses: {
      200: jsonResponse('What was (or in a dry run, would be) done', ReportSchema),
      ...errors(400, 401, 403, 409),
    },
  });
  const exportRoute = createRoute({
    method: 'get',
    path: '/export',
    tags: [tag],
    summary: `The municipality’s ${transfer.what} as CSV, in the shape the import reads`,
    request: { query: z.object({ municipality: MunicipalityQuery }).strict() },
    responses: {
      200: { description: 'CSV (UTF-8 with BOM)', content: { 'text/csv': { schema: z.string() } } },
      ...errors(400, 401, 403),
    },
  });

  const municipalityOf = (principal: Principal, asked: string | undefined): string => {
    const municipality = scopedMunicipality(principal, asked);
    if (!municipality)
      throw invalidFields([{ field: 'query.municipality', problem: 'is required: a file holds one municipality' }]);
    return municipality;
  };

  // Middleware on the routes' own paths: these routers are mounted beside others on the same prefix (/extensions).
  const importer = apiRouter<AuthEnv>();
  importer.use('/import', requirePermission('admin:write'));
  importer.use(
    '/import',
    bodyLimit({
      maxSize: MAX_CSV_BYTES,
      onError: () => {
        throw new AppError(
          413,
          'body_too_large',
          `A CSV import may be at most ${MAX_CSV_BYTES / 1024 / 1024} MiB; split the file`,
        );
      },
    }),
  );
  importer.openapi(importRoute, async (c) => {
    if (!/^text\/csv\b/i.test(c.req.header('content-type') ?? '')) {
      throw new AppError(415, 'unsupported_media_type', 'Send the file as the body, with Content-Type: text/csv');
    }
    const { mode, dryRun, ...query } = c.req.valid('query');
    const principal = c.get('principal');
    const municipalityId = municipalityOf(principal, query.municipality);
    const report = await importCsv(
      await c.req.text(),
      transfer.format(municipalityId),
      (inputs, dry) => transfer.write(municipalityId, inputs, { mode, dryRun: dry, actor: principal }),
      {
        dryRun: dryRun === 'true',
      },
    );
    return c.json(report, 200);
  });

  const exporter = apiRouter<AuthEnv>();
  exporter.use('/export', requirePermission('admin:read'));
  exporter.openapi(exportRoute, async (c) => {
    const municipalityId = municipalityOf(c.get('principal'), c.req.valid('query').municipality);
    const csv = writeCsv(transfer.format(municipalityId).columns, await transfer.exportRows(municipalityId));
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${transfer.what.replace(/\W+/g, '-')}-${municipalityId}.csv"`,
    });
  });

  return apiRouter<AuthEnv>().route('/', importer).route('/', exporter);
}
