import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ROLES, createTokenStore } from '../auth/token-store.js';
import { readEnv } from '../config/env.js';
import { ConfigError, describeIssues } from '../config/load-region.js';
import { keys } from '../store/keys.js';
import { connectRedis } from '../store/redis-client.js';

const createArgs = z.object({
  name: z.string().trim().min(1, 'give the holder a name, e.g. --name "Anna Operator"'),
  role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }),
  'expires-days': z.coerce.number().int().min(1).max(3650).optional(),
});

/** `vaxel token create --name N --role R [--expires-days D]`: prints a new API token once. */
export async function tokenCreateCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { name: { type: 'string' }, role: { type: 'string' }, 'expires-days': { type: 'string' } } });
  const parsed = createArgs.safeParse(values);
  if (!parsed.success) throw new ConfigError('the command line', describeIssues(parsed.error.issues));
  const env = readEnv();
  if (!env.REDIS_URL) throw new ConfigError('the environment', ['REDIS_URL: token create needs the Redis the switchboard uses']);
  const redis = await connectRedis(env.REDIS_URL, { name: 'vaxel-cli' });
  try {
    const { token, record } = await createTokenStore(redis, keys(env.REDIS_PREFIX)).create({
      name: parsed.data.name,
      role: parsed.data.role,
      expiresInDays: parsed.data['expires-days'],
    });
    console.log(`Token for ${record.name} (${record.role}${record.expiresAt ? `, expires ${record.expiresAt}` : ''}). It is shown only now:`);
    console.log(token);
  } finally {
    await redis.close();
  }
}
