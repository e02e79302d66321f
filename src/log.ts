import { pino, type Logger } from 'pino';

/**
 * One structured logger for the whole process. Child loggers carry the call id
 * (`log.child({ callId })`) so every line says what happened to which call.
 * Secrets never reach it: tokens and passwords are redacted by path as a last line of defence.
 */
export const log: Logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  redact: {
    paths: ['token', '*.token', 'password', '*.password', 'authorization', '*.authorization', 'headers.authorization'],
    censor: '[redacted]',
  },
});

export type { Logger };
