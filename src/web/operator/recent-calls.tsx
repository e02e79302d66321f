import type { CallView } from '../../http/call-view.js';
import { clock, duration } from '../format.js';

const OUTCOME_TEXT: Record<NonNullable<CallView['outcome']>, string> = {
  answered: 'Besvarat',
  abandoned: 'Lade på i kö',
  closed: 'Stängt',
  overflowed: 'Överflöde',
  'callback-booked': 'Återuppringning bokad',
  'callback-cancelled': 'Återuppringning avbokad',
};

/** The operator's latest calls, newest first. */
export function RecentCalls({ calls }: { calls: CallView[] }) {
  return (
    <section aria-labelledby="recent-heading">
      <h2 id="recent-heading">Senaste samtal</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Tid</th>
            <th scope="col">Kommun</th>
            <th scope="col">Uppringare</th>
            <th scope="col">Samtalstid</th>
            <th scope="col">Utfall</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => (
            <tr>
              <td>{clock(call.enqueuedAt)}</td>
              <td>{call.municipality.name}</td>
              <td>{call.callerDisplay}</td>
              <td>{call.talkSeconds === undefined ? '–' : duration(call.talkSeconds)}</td>
              <td>{call.outcome ? OUTCOME_TEXT[call.outcome] : 'Pågår'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
