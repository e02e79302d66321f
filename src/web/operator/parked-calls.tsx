import type { ControlledCallView } from '../../http/routes/call-control.js';
import { duration, useNow } from '../format.js';

export type ParkedCall = ControlledCallView & { parkedSeconds: number };

/** The parks of the municipalities served; any of their operators may retrieve a call. */
export function ParkedCalls({
  calls,
  fetchedAt,
  onRetrieve,
}: {
  calls: ParkedCall[];
  fetchedAt: number;
  onRetrieve: (call: ParkedCall) => void;
}) {
  const now = useNow();
  return (
    <section aria-labelledby="parked-heading">
      <h2 id="parked-heading">Parkerade samtal</h2>
      {calls.length === 0 ? (
        <p>Inga parkerade samtal.</p>
      ) : (
        <ul class="plain">
          {calls.map((call) => (
            <li>
              {call.municipality.name}: {call.callerDisplay}, parkerat{' '}
              {duration(call.parkedSeconds + (now - fetchedAt) / 1000)}{' '}
              <button type="button" onClick={() => onRetrieve(call)}>
                Hämta
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
