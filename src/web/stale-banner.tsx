/** Says, politely but visibly, when what is shown may be out of date (no live events, or a failed read). */
export function StaleBanner({ stale, error }: { stale: boolean; error?: string }) {
  const text = stale ? 'Anslutningen till växeln bröts – visningen kan vara inaktuell. Ansluter igen…' : error;
  return (
    <p class={text ? 'stale' : 'visually-hidden'} role="status" aria-live="polite">
      {text ?? ''}
    </p>
  );
}
