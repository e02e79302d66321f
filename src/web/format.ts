import { useEffect, useState } from 'preact/hooks';

/** "1:05" for 65 s, "1:02:03" past an hour. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const mmss = `${Math.floor((s % 3600) / 60)}:${String(s % 60).padStart(2, '0')}`;
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mmss.padStart(5, '0')}` : mmss;
}

export const clock = (iso: string) => new Date(iso).toLocaleTimeString('sv-SE', { hour: '2-digit', minute: '2-digit' });

export const percent = (ratio: number | null) => (ratio === null ? '–' : `${Math.round(ratio * 100)} %`);

/** The current time, re-rendering the caller every second (timers, waiting times). */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export type Level = 'ok' | 'warn' | 'over';

/** A wait against the municipality's service-level target: over it, or past half of it. */
export function waitLevel(waitSeconds: number, targetSeconds: number): Level {
  if (waitSeconds >= targetSeconds) return 'over';
  return waitSeconds >= targetSeconds / 2 ? 'warn' : 'ok';
}

/** Said in words as well, since colour alone carries no meaning (WCAG 1.4.1). */
export const LEVEL_TEXT: Record<Level, string> = { ok: 'inom målet', warn: 'nära målet', over: 'över målet' };

/** "25 nov. 10:32": a moment that may be another day than today (messages, call-back windows). */
export const dateTime = (iso: string) =>
  new Date(iso).toLocaleString('sv-SE', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

/** "14:00" on the same day as `reference` (ms), else "24 nov. 16:00": a bare time from another day misleads. */
export const timeOn = (iso: string, reference: number) =>
  new Date(iso).toDateString() === new Date(reference).toDateString() ? clock(iso) : dateTime(iso);
