import { CALLBACK_MAX_UNANSWERED_DIALS } from '../../calls/callbacks/callback-limits.js';
import type { QueueView } from '../../http/routes/queues.js';
import { DataTable } from '../data-table.js';
import { LEVEL_TEXT, duration, timeOn, useNow, waitLevel } from '../format.js';
import { CancelCallbackButton } from './scheduled-callbacks.js';

type WaitingCall = QueueView['calls'][number];

const isCallback = (call: WaitingCall) => call.kind === 'callback';

/**
 * A call-back still waiting after the end of its wished window is late (docs/decisions.md,
 * "Late call-backs"). Judged by the server's clock, as the waits are: its read time (enqueuedAt
 * + waitingSeconds) plus the time since, so a browser whose clock is off does not misjudge it.
 */
const isLate = (call: WaitingCall, since: number) =>
  call.windowTo !== undefined &&
  Date.parse(call.enqueuedAt) + (call.waitingSeconds + since) * 1000 >= Date.parse(call.windowTo);

/**
 * The queues of the municipalities served: waiting calls and the longest wait, coloured (and
 * said in words) against each municipality's service-level target; then every waiting call,
 * longest wait first (the next call an operator gets also weighs priority and their weights),
 * each with a button to take it out of turn. A booked call-back waits at its
 * caller's place and is marked as one (and as late past its wished window, and with the dial
 * it is at once its citizen did not answer before): taking it rings the operator, then dials
 * the citizen; "Avboka" cancels it (the citizen was helped meanwhile).
 */
export function QueueBoard({
  queues,
  fetchedAt,
  targetOf,
  onPick,
  onCancel,
}: {
  queues: QueueView[];
  fetchedAt: number;
  targetOf: (municipalityId: string) => number;
  onPick: (call: WaitingCall) => void;
  /** Cancel a call-back (asks first). */
  onCancel: (call: WaitingCall) => void;
}) {
  const now = useNow();
  const since = (now - fetchedAt) / 1000;
  const waiting = queues.flatMap((q) => q.calls).sort((a, b) => b.waitingSeconds - a.waitingSeconds);

  return (
    <section aria-labelledby="queues-heading">
      {/* Focusable: the focus goes here when a cancelled call-back's row is gone. */}
      <h2 id="queues-heading" tabIndex={-1}>
        Köer
      </h2>
      <ul class="queue-cards">
        {queues.map((q) => {
          const longest = q.waitingCount ? q.longestWaitSeconds + since : 0;
          const level = waitLevel(longest, targetOf(q.municipality.id));
          const callbacks = q.calls.filter(isCallback).length;
          return (
            <li class={`queue-card level-${level}`}>
              <span class="name">{q.municipality.name}</span>
              <span class="count">{q.waitingCount} väntar</span>
              {callbacks > 0 && (
                <span>
                  varav {callbacks} återuppringning{callbacks > 1 ? 'ar' : ''}
                </span>
              )}
              <span>
                Längst {duration(longest)} – {LEVEL_TEXT[level]}
              </span>
            </li>
          );
        })}
      </ul>
      <DataTable
        class="waiting"
        caption="Väntande samtal"
        columns={['Kommun', 'Uppringare', 'Väntat', 'Anledning', { label: 'Åtgärd', hidden: true }]}
        items={waiting}
        empty="Ingen väntar."
        row={(call) => {
          const callback = isCallback(call);
          const late = callback && isLate(call, since);
          return {
            // Keyed: a taken call's row goes with its focused button, which must not become the next caller's.
            key: call.callId,
            attrs: { 'data-call-id': call.callId, class: callback ? `callback${late ? ' late' : ''}` : undefined },
            cells: [
              call.municipality.name,
              <>
                {callback && <span class="badge">Återuppringning</span>}{' '}
                {/* The dial the next operator makes: the citizen did not answer the earlier ones. */}
                {callback && call.unansweredDials
                  ? `Försök ${call.unansweredDials + 1} av ${CALLBACK_MAX_UNANSWERED_DIALS} – `
                  : ''}
                {call.callerDisplay}{' '}
                {late && <span class="badge late">Sen – önskades före {timeOn(call.windowTo!, now)}</span>}
              </>,
              duration(call.waitingSeconds + since),
              call.priorityClass ?? call.reasonDetail ?? '',
              <>
                <button
                  type="button"
                  onClick={() => onPick(call)}
                  aria-label={`${callback ? 'Ring upp' : 'Svara på'} ${call.callerDisplay}, ${call.municipality.name}${late ? ', sen' : ''}`}
                >
                  {callback ? 'Ring upp' : 'Svara'}
                </button>
                {callback && (
                  <>
                    {' '}
                    <CancelCallbackButton callback={call} onCancel={onCancel} />
                  </>
                )}
              </>,
            ],
          };
        }}
      />
    </section>
  );
}
