import { parseArgs } from 'node:util';
import { ConfigError, loadRegionConfig } from '../config/load-region.js';
import { runLab } from '../lab/lab.js';
import { LabSetupError, provisionLab } from '../lab/provision.js';
import { formatForDisplay } from '../numbers/phone-number.js';
import { asteriskConfigCommand } from './asterisk-config-command.js';
import { backupCommand, restoreCommand } from './backup-command.js';
import { exportCommand, importCommand } from './import-command.js';
import { startCommand } from './start-command.js';
import { tokenCreateCommand } from './token-command.js';

/**
 * `vaxel <command>`: one table of commands, each a word path and what it runs. A new command
 * is one more entry.
 */
interface Command {
  path: string[];
  usage: string;
  summary: string;
  run(args: string[]): Promise<void>;
}

const commands: Command[] = [
  {
    path: ['start'],
    usage: 'start [--open]',
    summary:
      'run the switchboard (with the local lab unless REDIS_URL and ARI_* are set), until Ctrl-C; says which members are open; --open: the lab with every member open (an audited override)',
    run: startCommand,
  },
  {
    path: ['token', 'create'],
    usage: 'token create --name NAME --role ROLE [--municipality KOMMUNKOD] [--expires-days N]',
    summary: 'make an API token (needs REDIS_URL); it is printed once, only its hash is stored',
    run: tokenCreateCommand,
  },
  {
    path: ['import'],
    usage: 'import entries|extensions --municipality KOMMUNKOD --file FILE.csv [--mode upsert|replace] [--dry-run]',
    summary:
      'import a municipality’s directory or extensions from CSV, all or nothing (needs REDIS_URL); --dry-run lists every bad row',
    run: importCommand,
  },
  {
    path: ['export'],
    usage: 'export entries|extensions --municipality KOMMUNKOD --out FILE.csv',
    summary: 'write a municipality’s directory or extensions as CSV, in the shape import reads (needs REDIS_URL)',
    run: exportCommand,
  },
  {
    path: ['backup'],
    usage: 'backup --out FILE.json [--with-calls] [--with-audit]',
    summary:
      'write the region’s configuration (admin objects, directory, token hashes) as one JSON file (needs REDIS_URL; docs/backup.md)',
    run: backupCommand,
  },
  {
    path: ['restore'],
    usage: 'restore --file FILE.json [--dry-run]',
    summary: 'load a backup into an empty region, all or nothing, checked as the API checks (needs REDIS_URL)',
    run: restoreCommand,
  },
  {
    path: ['asterisk-config'],
    usage: 'asterisk-config --out DIR',
    summary: 'render dialplans/ for a deployed Asterisk from ARI_* and ASTERISK_* variables',
    run: asteriskConfigCommand,
  },
  {
    path: ['lab', 'provision'],
    usage: 'lab provision',
    summary: 'install the lab (host tools, Asterisk chroot); does nothing when it is there',
    run: async () => {
      await provisionLab();
    },
  },
  {
    path: ['lab', 'start'],
    usage: 'lab start [--app NAME] [--sip-port N] [--ari-port N] [--redis-port N] [--ha]',
    summary:
      'run Redis and Asterisk for trying things out, until Ctrl-C; --ha: Redis as a primary, a replica and three sentinels',
    run: labStart,
  },
];

async function labStart(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      app: { type: 'string' },
      'sip-port': { type: 'string' },
      'ari-port': { type: 'string' },
      'redis-port': { type: 'string' },
      ha: { type: 'boolean' },
    },
  });
  if (values.ha && values['redis-port'] !== undefined)
    throw new UsageError(
      '--redis-port and --ha do not go together: with --ha every Redis and sentinel gets a free port',
    );
  const lab = await runLab({
    appName: values.app ?? process.env.ARI_APP,
    sipPort: port(values['sip-port'], '--sip-port'),
    ariPort: port(values['ari-port'], '--ari-port'),
    redisPort: port(values['redis-port'], '--redis-port'),
    ha: values.ha ?? false,
    numbersToCall: await regionNumbers(),
  });
  console.log('\nCtrl-C stops the lab.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('\nStopping the lab…');
  // A second Ctrl-C while stopping means "now".
  process.once('SIGINT', () => process.exit(130));
  await lab.stop();
}

function port(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535)
    throw new UsageError(`${option} must be a port number (1-65535), not "${value}"`);
  return number;
}

/** The region's main numbers, as digits to dial and who answers; none if the config cannot be read. */
async function regionNumbers(): Promise<{ label: string; dial: string }[] | undefined> {
  try {
    const region = await loadRegionConfig(process.env.REGION_CONFIG ?? 'config/region.yaml');
    const dial = (e164: string) => formatForDisplay(e164).replace(/\D/g, '');
    return [
      ...region.region.regionalNumbers.map((number) => ({
        dial: dial(number),
        label: `${region.region.name} (regional number)`,
      })),
      ...region.municipalities.flatMap((municipality) =>
        municipality.mainNumbers.map((number) => ({ dial: dial(number), label: municipality.name })),
      ),
    ];
  } catch (error) {
    console.log(`(Region config not readable, so no numbers listed: ${(error as Error).message})`);
    return undefined;
  }
}

class UsageError extends Error {}

function usage(): string {
  const width = Math.max(...commands.map((command) => command.usage.length));
  return [
    'usage: vaxel <command>',
    '',
    ...commands.map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`),
  ].join('\n');
}

/** The command whose word path is the longest prefix of argv. */
function findCommand(argv: string[]): { command: Command; args: string[] } | undefined {
  const matches = commands
    .filter((command) => command.path.every((word, i) => argv[i] === word))
    .sort((a, b) => b.path.length - a.path.length);
  const command = matches[0];
  return command && { command, args: argv.slice(command.path.length) };
}

async function main(argv: string[]): Promise<number> {
  const found = findCommand(argv);
  if (!found) {
    const askedForHelp = argv.length === 0 || ['-h', '--help', 'help'].includes(argv[0] ?? '');
    if (askedForHelp) console.log(usage());
    else console.error(`unknown command: vaxel ${argv.join(' ')}\n\n${usage()}`);
    return askedForHelp ? 0 : 2;
  }
  try {
    await found.command.run(found.args);
    // A command that reported a failure itself (a dry run finding bad rows) set the code.
    return Number(process.exitCode ?? 0);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(error as Error).message}\n\nusage: vaxel ${found.command.usage}`);
      return 2;
    }
    // Setup and configuration problems carry instructions; anything else gets its stack for the bug report.
    console.error(error instanceof LabSetupError || error instanceof ConfigError ? `\n${error.message}` : error);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
