import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createAuditLog } from '../audit/audit-log.js';
import { ROLES } from '../auth/access.js';
import { createTokenStore, localActor } from '../auth/token-store.js';
import { readEnv } from '../config/env.js';
import { ConfigError, describeIssues } from '../config/load-region.js';
import { keys } from '../store/keys.js';
import { connectRedis } from '../store/redis-client.js';

const createArgs = z.object({
  name: z.string().trim().min(1, 'give the holder a name, e.g. --name "Anna Operator"'),
  role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }),
  municipality: z.string().regex(/^\d{4}$/, 'must be a four-digit SCB kommunkod').optional(),
  'expires-days': z.coerce.number().int().min(1).max(3650).optional(),
});

/** `vaxel token create --name N --role R [--municipality K] [--expires-days D]`: prints a new API token once. */
export async function tokenCreateCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { name: { type: 'string' }, role: { type: 'string' }, municipality: { type: 'string' }, 'expires-days': { type: 'string' } },
  });
  const parsed = createArgs.safeParse(values);
  if (!parsed.success) throw new ConfigError('the command line', describeIssues(parsed.error.issues));
  const env = readEnv();
  if (!env.REDIS_URL) throw new ConfigError('the environment', ['REDIS_URL: token create needs the Redis the switchboard uses']);
  const redis = await connectRedis(env.REDIS_URL, { name: 'vaxel-cli' });
  try {
    const k = keys(env.REDIS_PREFIX);
    const tokens = createTokenStore(redis, k, createAuditLog(redis, k, { retentionDays: env.AUDIT_RETENTION_DAYS }));
    const { token, record } = await tokens.create(
      { name: parsed.data.name, role: parsed.data.role, municipalityId: parsed.data.municipality, expiresInDays: parsed.data['expires-days'] },
      localActor(`vaxel token create (${userInfo().username})`),
    );
    console.log(`Token for ${record.name} (${record.role}${record.municipalityId ? ` of ${record.municipalityId}` : ''}${record.expiresAt ? `, expires ${record.expiresAt}` : ''}). It is shown only now:`);
    console.log(token);
  } finally {
    await redis.close();
  }
}
