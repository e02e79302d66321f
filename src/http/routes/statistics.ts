import { createRoute } from '@hono/zod-openapi';
import { DateTime } from 'luxon';
import { assertInScope, scopedMunicipality } from '../../auth/access.js';
import type { TokenAccounts } from '../../admin/operator-accounts.js';
import type { RegionConfig } from '../../config/region-schema.js';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { AppError } from '../../errors.js';
import type { CallStatistics } from '../../statistics/call-statistics.js';
import { computeFigures, figuresByOperator, figuresByPeriod, periodsCovering } from '../../statistics/compute.js';
import { COST_SPLIT_COLUMNS, costSplitCsv } from '../../statistics/cost-split.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { apiRouter, errors, jsonResponse } from '../openapi.js';
import { MunicipalityIdSchema, z } from '../../validation/schema.js';
import { invalidFields } from '../../validation/field-problems.js';
import { notAMember } from '../../admin/region-rules.js';

/** The region's local time (the config allows only this zone; the type says so if that changes). */
const ZONE: RegionConfig['region']['timezone'] = 'Europe/Stockholm';
const MAX_RANGE_DAYS = 366;

/**
 * A point in time: a date-time with its UTC offset (…T08:00:00+01:00 or …Z), or a date, which
 * means that day's local midnight. A local date-time without offset is refused: in the autumn's
 * repeated hour it would be ambiguous.
 */
const Instant = z
  .string()
  .max(40)
  .transform((raw, ctx) => {
    // An unencoded "+01:00" in a query string arrives as " 01:00" (a + means a space there).
    const text = raw.replace(/ (\d\d(:?\d\d)?)$/, '+$1');
    const withOffset = /T.*(Z|[+-]\d\d(:?\d\d)?)$/i.test(text);
    const dateOnly = /^\d{4}-\d\d-\d\d$/.test(text);
    const parsed = DateTime.fromISO(text, { zone: ZONE });
    if ((withOffset || dateOnly) && parsed.isValid) return parsed.toMillis();
    ctx.addIssue({
      code: 'custom',
      message:
        'must be a date (2026-11-01, local midnight) or a date-time with its UTC offset (2026-11-01T08:00:00+01:00)',
    });
    return z.NEVER;
  })
  .openapi({ type: 'string', example: '2026-11-01' });

const RangeQuery = {
  from: Instant.openapi({
    description: 'From this instant (included): a date means local midnight',
    example: '2026-11-01',
  }),
  to: Instant.openapi({ description: 'Until this instant (excluded)', example: '2026-12-01' }),
};

/** `to` after `from`, at most 366 days on (an hour more or less across DST changes is fine). */
function checkRange({ from, to }: { from: number; to: number }, ctx: z.RefinementCtx) {
  if (to <= from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  else if (to > DateTime.fromMillis(from, { zone: ZONE }).plus({ days: MAX_RANGE_DAYS }).toMillis()) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${MAX_RANGE_DAYS} days after from` });
  }
}

const FiguresShape = {
  offered: z.number().int().openapi({ description: 'Ended calls that arrived in the period, whatever their outcome' }),
  answered: z.number().int(),
  abandoned: z
    .number()
    .int()
    .openapi({ description: 'The caller hung up before an operator answered (short abandons included)' }),
  shortAbandoned: z.number().int().openapi({ description: 'Abandoned within 5 s; left out of the service level' }),
  otherOutcomes: z
    .record(z.string(), z.number().int())
    .openapi({ description: 'Ended with another outcome (closed, overflowed, ...): in offered only' }),
  mediaNodeLost: z.number().int().openapi({
    description:
      'Of otherOutcomes: lost with their media node (Asterisk) before an operator answered, outcome media-node-lost',
  }),
  answeredWithinServiceLevel: z.number().int(),
  serviceLevel: z.number().nullable().openapi({
    description: 'answeredWithinServiceLevel / (answered + abandoned − shortAbandoned), 0–1; null when that is 0',
  }),
  meanWaitSeconds: z.number().nullable().openapi({ description: 'Of answered calls' }),
  p90WaitSeconds: z.number().nullable().openapi({ description: 'Of answered calls, nearest-rank 90th percentile' }),
  talkSeconds: z.number(),
  meanTalkSeconds: z.number().nullable(),
};
const FiguresSchema = z.object(FiguresShape).openapi('StatisticsFigures');
/** Every local hour or day of the range, empty ones too, each with its figures. */
const PeriodsSchema = z.array(z.object({ start: z.string(), end: z.string(), ...FiguresShape }));
const GroupBy = z.enum(['hour', 'day']).openapi({ description: 'Local (Europe/Stockholm) hours or days' });
const MunicipalityRef = z.object({ id: z.string(), name: z.string() });
const MunicipalityStatisticsSchema = z.object({
  municipality: MunicipalityRef,
  from: z.string(),
  to: z.string(),
  serviceLevelSeconds: z.number().int(),
  groupBy: GroupBy,
  total: FiguresSchema,
  periods: PeriodsSchema,
});
export type MunicipalityStatisticsView = z.infer<typeof MunicipalityStatisticsSchema>;

const municipalityStatistics = createRoute({
  method: 'get',
  path: '/municipalities/{municipalityId}',
  tags: ['Statistics'],
  summary: 'A municipality’s calls in a period: totals, and per local hour or day',
  request: {
    params: z.object({ municipalityId: MunicipalityIdSchema }),
    query: z
      .object({ ...RangeQuery, groupBy: GroupBy.default('day') })
      .strict()
      .superRefine(checkRange),
  },
  responses: {
    200: jsonResponse('The figures', MunicipalityStatisticsSchema),
    ...errors(400, 401, 403, 404),
  },
});

const operatorStatistics = createRoute({
  method: 'get',
  path: '/operators',
  tags: ['Statistics'],
  summary:
    'Per operator: the calls that ended with them (answered last by them, or abandoned while their phone rang); in total, and per local hour or day when asked',
  description:
    'Operators are their operator accounts: the account linked to the token that took the call, or the one it was linked to when it logged in. Operators without one are counted together in one row whose accountId and name are null.',
  request: {
    query: z
      .object({
        ...RangeQuery,
        municipality: MunicipalityIdSchema.optional().openapi({ description: 'Only calls to this municipality' }),
        groupBy: GroupBy.optional().openapi({
          description: 'Also each operator’s figures per local (Europe/Stockholm) hour or day; without it, totals only',
        }),
      })
      .strict()
      .superRefine(checkRange),
  },
  responses: {
    200: jsonResponse(
      'The figures',
      z.object({
        from: z.string(),
        to: z.string(),
        municipality: MunicipalityRef.nullable(),
        groupBy: GroupBy.nullable(),
        operators: z.array(
          z.object({
            accountId: z.string().nullable().openapi({
              description:
                'The operator account (GET /operator-accounts/{id}); null for the one row of operators without an account',
            }),
            name: z
              .string()
              .nullable()
              .openapi({ description: 'The account’s name; null for operators without an account' }),
            ...FiguresShape,
            periods: PeriodsSchema.optional(),
          }),
        ),
      }),
    ),
    ...errors(400, 401, 403),
  },
});

const costSplit = createRoute({
  method: 'get',
  path: '/municipalities/{municipalityId}/cost-split.csv',
  tags: ['Statistics'],
  summary:
    'A month’s calls per local day and in total, with the share of the region’s traffic: for splitting the shared cost',
  description: `CSV with a header row, one row per day and a row \`total\`. Columns: ${COST_SPLIT_COLUMNS.join(', ')} (see docs/decisions.md).`,
  request: {
    params: z.object({ municipalityId: MunicipalityIdSchema }),
    query: z
      .object({
        month: z
          .string()
          .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM')
          .openapi({ example: '2026-11' }),
      })
      .strict(),
  },
  responses: {
    200: { description: 'The CSV', content: { 'text/csv': { schema: z.string() } } },
    ...errors(400, 401, 403, 404),
  },
});

const localIso = (ms: number) => DateTime.fromMillis(ms, { zone: ZONE }).toISO({ suppressMilliseconds: true })!;

export function statisticsRoutes(deps: {
  statistics: CallStatistics;
  directory: DirectoryStore;
  tokenAccounts: Pick<TokenAccounts, 'named'>;
}) {
  const { statistics } = deps;

  /** The municipality asked for, if the token may see it: 403 before 404, so scope hides existence. */
  async function municipalityFor(principal: AuthEnv['Variables']['principal'], municipalityId: string) {
    assertInScope(principal, municipalityId);
    const municipality = await deps.directory.getMunicipality(municipalityId);
    if (!municipality)
      throw new AppError(404, 'municipality_not_found', `No member municipality has the id ${municipalityId}`);
    return { id: municipality.id, name: municipality.name };
  }

  const router = apiRouter<AuthEnv>();
  router.use(requirePermission('statistics:read'));
  return router
    .openapi(municipalityStatistics, async (c) => {
      const { municipalityId } = c.req.valid('param');
      const { from, to, groupBy } = c.req.valid('query');
      const municipality = await municipalityFor(c.get('principal'), municipalityId);
      const calls = await statistics.endedCalls({ municipalityId, fromMs: from, toMs: to });
      const options = statistics.figureOptions(municipalityId);
      return c.json(
        {
          municipality,
          from: localIso(from),
          to: localIso(to),
          serviceLevelSeconds: statistics.serviceLevelSeconds(municipalityId),
          groupBy,
          total: computeFigures(calls, options),
          periods: figuresByPeriod(calls, periodsCovering(from, to, groupBy, ZONE), options),
        },
        200,
      );
    })
    .openapi(operatorStatistics, async (c) => {
      const query = c.req.valid('query');
      const municipalityId = scopedMunicipality(c.get('principal'), query.municipality);
      const municipality =
        municipalityId === undefined ? undefined : await deps.directory.getMunicipality(municipalityId);
      if (municipalityId !== undefined && !municipality)
        throw invalidFields([{ field: 'query.municipality', problem: notAMember(municipalityId) }]);
      const calls = await statistics.endedCalls({ municipalityId, fromMs: query.from, toMs: query.to });
      const periods = query.groupBy && periodsCovering(query.from, query.to, query.groupBy, ZONE);
      // Token ids are not handed out: calls count for the account, or together for those without one ('').
      const tokenIds = [...new Set(calls.flatMap((call) => call.answeredBy ?? call.operatorId ?? []))];
      const accounts = await deps.tokenAccounts.named(tokenIds);
      const names = new Map([...accounts.values()].map((account) => [account.id, account.name]));
      const operators = figuresByOperator(
        calls,
        statistics.figureOptions(),
        periods,
        (tokenId) => accounts.get(tokenId)?.id ?? '',
      )
        .map(({ operatorId: accountId, ...figures }) => ({
          accountId: accountId || null,
          name: names.get(accountId) ?? null,
          ...figures,
        }))
        // The row of operators without an account last.
        .sort((a, b) => Number(a.accountId === null) - Number(b.accountId === null));
      return c.json(
        {
          from: localIso(query.from),
          to: localIso(query.to),
          municipality: municipality ? { id: municipality.id, name: municipality.name } : null,
          groupBy: query.groupBy ?? null,
          operators,
        },
        200,
      );
    })
    .openapi(costSplit, async (c) => {
      const { municipalityId } = c.req.valid('param');
      const { month } = c.req.valid('query');
      const municipality = await municipalityFor(c.get('principal'), municipalityId);
      const start = DateTime.fromISO(month, { zone: ZONE });
      const range = { fromMs: start.toMillis(), toMs: start.plus({ months: 1 }).toMillis() };
      const [calls, regionCalls] = await Promise.all([
        statistics.endedCalls({ municipalityId, ...range }),
        statistics.endedCalls(range),
      ]);
      const csv = costSplitCsv({
        municipality,
        days: periodsCovering(range.fromMs, range.toMs, 'day', ZONE),
        calls,
        regionCalls,
        options: statistics.figureOptions(municipalityId),
        regionOptions: statistics.figureOptions(),
      });
      return c.body(csv, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="cost-split-${municipalityId}-${month}.csv"`,
      });
    });
}
