import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

/**
 * Fields that carry a citizen's (or a dialled person's) number or name. Lines at info and above
 * are kept by operations for months and read by many: there these fields are replaced, and the
 * call id says which call it was. A debug line keeps them, for a fault being chased.
 * Child loggers' bindings are not filtered (pino serialises them once): bind ids, not numbers.
 */
export const PERSONAL_FIELDS: readonly string[] = [
  'caller',
  'callerNumber',
  'callerName',
  'number',
  'dialled',
  'target',
  'transferTarget',
];
const PERSONAL = new Set(PERSONAL_FIELDS);
const INFO = 30;
export const PERSONAL_PLACEHOLDER = '[personal: debug only]';

function withoutPersonal(fields: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(fields).some((key) => PERSONAL.has(key))) return fields;
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [
      key,
      PERSONAL.has(key) && value !== undefined ? PERSONAL_PLACEHOLDER : value,
    ]),
  );
}

const options = (level: string): LoggerOptions => ({
  level,
  // Secrets never reach a log line at any level: tokens and passwords are redacted by path as a last line of defence.
  redact: {
    paths: ['token', '*.token', 'password', '*.password', 'authorization', '*.authorization', 'headers.authorization'],
    censor: '[redacted]',
  },
  hooks: {
    logMethod(args, method, lineLevel) {
      const [first] = args;
      if (lineLevel >= INFO && typeof first === 'object' && first !== null && !(first instanceof Error)) {
        args[0] = withoutPersonal(first as Record<string, unknown>);
      }
      return method.apply(this, args);
    },
  },
});

/** A logger with the project's rules, writing to `destination` (tests read what it wrote). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino(options(level), destination) : pino(options(level));
}

/**
 * One structured logger for the whole process. Child loggers carry the call id
 * (`log.child({ callId })`) so every line says what happened to which call.
 */
export const log: Logger = createLogger(process.env.LOG_LEVEL ?? 'info');

export type { Logger };
