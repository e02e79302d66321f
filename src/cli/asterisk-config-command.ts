import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, describeIssues } from '../config/load-region.js';
import { renderAsteriskConfig } from '../lab/asterisk-config.js';

/** What a deployed Asterisk (docker-compose.yml) is configured with; the lab passes the same names itself. */
const deployEnv = z.object({
  ARI_APP: z
    .string()
    .regex(/^[\w-]+$/)
    .default('regionvaxel'),
  ARI_USERNAME: z
    .string()
    .regex(/^[\w-]+$/)
    .default('regionvaxel'),
  ARI_PASSWORD: z.string().min(16, 'must be at least 16 characters (e.g. openssl rand -hex 24)'),
  ASTERISK_DIR: z.string().startsWith('/').default('/srv/asterisk'),
  ASTERISK_MODULE_DIR: z.string().startsWith('/').default('/usr/lib/x86_64-linux-gnu/asterisk/modules'),
  ASTERISK_SIP_BIND: z.ipv4().default('0.0.0.0'),
  ASTERISK_SIP_PORT: z.coerce.number().int().min(1).max(65535).default(5060),
  ASTERISK_HTTP_BIND: z.ipv4().default('127.0.0.1'),
  ASTERISK_HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(8088),
  ASTERISK_TRUNK_MATCH: z.string().regex(/^[\w.:/,-]+$/, 'IP addresses or networks, comma-separated'),
  ASTERISK_RTP_START: z.coerce.number().int().min(1024).max(65535).default(10000),
  ASTERISK_RTP_END: z.coerce.number().int().min(1024).max(65535).default(20000),
});

/** `vaxel asterisk-config --out DIR`: renders dialplans/ for a deployed Asterisk from the environment. */
export async function asteriskConfigCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } } });
  if (!values.out) throw new Error('usage: vaxel asterisk-config --out DIR');
  const parsed = deployEnv.safeParse(process.env);
  if (!parsed.success) throw new ConfigError('the environment', describeIssues(parsed.error.issues));
  const env = parsed.data;
  const files = await renderAsteriskConfig({
    outDir: values.out,
    vars: {
      INSTANCE_DIR: env.ASTERISK_DIR,
      MODULE_DIR: env.ASTERISK_MODULE_DIR,
      SYSTEM_NAME: 'regionvaxel',
      HTTP_BIND: env.ASTERISK_HTTP_BIND,
      HTTP_PORT: String(env.ASTERISK_HTTP_PORT),
      ARI_USER: env.ARI_USERNAME,
      ARI_PASSWORD: env.ARI_PASSWORD,
      SIP_BIND: env.ASTERISK_SIP_BIND,
      SIP_PORT: String(env.ASTERISK_SIP_PORT),
      TRUNK_MATCH: env.ASTERISK_TRUNK_MATCH,
      ARI_APP: env.ARI_APP,
      RTP_START: String(env.ASTERISK_RTP_START),
      RTP_END: String(env.ASTERISK_RTP_END),
    },
  });
  console.log(`Rendered ${files.length} Asterisk configuration files into ${values.out}`);
}
