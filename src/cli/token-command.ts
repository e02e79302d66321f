import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { regionRules } from '../admin/region-rules.js';
import { createAuditLog } from '../audit/audit-log.js';
import { createTokenStore, localActor, newTokenSchema } from '../auth/token-store.js';
import { readEnv } from '../config/env.js';
import { ConfigError, describeIssues, loadRegionConfig } from '../config/load-region.js';
import { keys } from '../store/keys.js';
import { connectRedis } from '../store/redis-client.js';

/** The command line's name of each field of a new token, for its problems. */
const FLAGS: Record<string, string> = {
  name: '--name',
  role: '--role',
  municipalityId: '--municipality',
  expiresInDays: '--expires-days',
};

/**
 * `vaxel token create --name N --role R [--municipality K] [--expires-days D]`: prints a new API
 * token once. The arguments pass the API's own check of a new token (newTokenSchema: the
 * municipality a member of config/region.yaml, the lifetime within the maximum).
 */
export async function tokenCreateCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      municipality: { type: 'string' },
      'expires-days': { type: 'string' },
    },
  });
  const env = readEnv();
  const days = values['expires-days'];
  const parsed = newTokenSchema(regionRules(await loadRegionConfig(env.REGION_CONFIG)).isMember).safeParse({
    name: values.name,
    role: values.role,
    municipalityId: values.municipality,
    // Not a number (NaN) is refused by the schema, named as the flag.
    expiresInDays: days === undefined ? undefined : Number(days),
  });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      ...issue,
      path: issue.path.map((part) => FLAGS[String(part)] ?? part),
    }));
    throw new ConfigError('the command line', describeIssues(issues));
  }
  if (!env.REDIS_URL)
    throw new ConfigError('the environment', ['REDIS_URL: token create needs the Redis the switchboard uses']);
  const redis = await connectRedis(env.REDIS_URL, { name: 'vaxel-cli' });
  try {
    const k = keys(env.REDIS_PREFIX);
    const tokens = createTokenStore(redis, k, createAuditLog(redis, k, { retentionDays: env.AUDIT_RETENTION_DAYS }));
    const { token, record } = await tokens.create(
      parsed.data,
      localActor(`vaxel token create (${userInfo().username})`),
    );
    console.log(
      `Token for ${record.name} (${record.role}${record.municipalityId ? ` of ${record.municipalityId}` : ''}, expires ${record.expiresAt}). It is shown only now:`,
    );
    console.log(token);
  } finally {
    await redis.close();
  }
}
