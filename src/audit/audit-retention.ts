import type { TokenStore } from '../auth/token-store.js';
import { runPeriodically } from '../periodic-job.js';
import type { AuditLog } from './audit-log.js';

const HOUR_MS = 3_600_000;

/**
 * What admin changes leave behind, kept no longer than decided: audit entries past
 * AUDIT_RETENTION_DAYS (AuditLog.trim) and the index entries of tokens whose record has
 * expired with its grace period (TokenStore.forgetExpired; their audit entries stay). Runs at
 * start and then every `everyMs` (an hour), one run at a time; `stop` waits for a run under
 * way, so nothing writes after the Redis client closes. Several instances may run it at once:
 * both steps are idempotent.
 */
export const startAuditRetention = (
  { audit, tokens }: { audit: Pick<AuditLog, 'trim'>; tokens: Pick<TokenStore, 'forgetExpired'> },
  everyMs = HOUR_MS,
) =>
  runPeriodically(
    'removing audit entries and expired tokens past their retention',
    () => Promise.all([audit.trim(), tokens.forgetExpired()]),
    everyMs,
  );
