import type { CallView } from '../../http/call-view.js';
import { DataTable } from '../data-table.js';
import { dateTime, timeOn } from '../format.js';

/** "25 nov. 13:00 – 14:00", "25 nov. 13:00 – 26 nov. 09:00", or "från 25 nov. 13:00" without an end. */
function wishedWindow({ windowFrom, windowTo }: CallView): string {
  if (!windowFrom) return '';
  return windowTo
    ? `${dateTime(windowFrom)} – ${timeOn(windowTo, Date.parse(windowFrom))}`
    : `från ${dateTime(windowFrom)}`;
}

/**
 * Call-backs booked for later, soonest first. Until their window begins they are in no queue, so
 * this is the only place an operator sees what has been promised. Re-read with the rest of the
 * view on every event: booking emits call.callback-booked, the window's start call.queued (then
 * the call-back leaves this list for the queue board).
 */
export function ScheduledCallbacks({
  callbacks,
  onCancel,
}: {
  callbacks: CallView[];
  onCancel: (callback: CallView) => void;
}) {
  return (
    <section aria-labelledby="scheduled-heading">
      {/* Focusable, so Alt+B can take a keyboard user here (and the focus goes here when a cancelled row is gone). */}
      <h2 id="scheduled-heading" tabIndex={-1}>
        Bokade återuppringningar
      </h2>
      <DataTable
        class="scheduled"
        caption="Bokade återuppringningar som inte har börjat, den tidigaste först"
        columns={['Kommun', 'Ring upp', 'Önskad tid', 'Bokad av', { label: 'Åtgärd', hidden: true }]}
        items={callbacks}
        empty="Inga bokade återuppringningar."
        row={(c) => ({
          key: c.callId,
          attrs: { 'data-call-id': c.callId },
          cells: [
            c.municipality.name,
            c.callerDisplay,
            wishedWindow(c),
            <>
              {/* Without an operator, the caller booked it by pressing 1 when the queue offered it. */}
              {c.bookedBy?.name ?? 'Uppringaren, i kön'}
              {c.bookedAt && <span class="hint"> {dateTime(c.bookedAt)}</span>}
            </>,
            <CancelCallbackButton callback={c} onCancel={onCancel} />,
          ],
        })}
      />
    </section>
  );
}

/** "Avboka" on a call-back, here and in the queue board: the question comes from onCancel. */
export function CancelCallbackButton<C extends Pick<CallView, 'callerDisplay' | 'municipality'>>({
  callback,
  onCancel,
}: {
  callback: C;
  onCancel: (callback: C) => void;
}) {
  return (
    <button
      type="button"
      class="secondary"
      onClick={() => onCancel(callback)}
      aria-label={`Avboka återuppringningen till ${callback.callerDisplay}, ${callback.municipality.name}`}
    >
      Avboka
    </button>
  );
}
