import type { CallView } from '../../http/call-view.js';
import { DataTable } from '../data-table.js';
import { clock, duration } from '../format.js';

const OUTCOME_TEXT: Record<NonNullable<CallView['outcome']>, string> = {
  answered: 'Besvarat',
  abandoned: 'Lade på i kö',
  closed: 'Stängt',
  overflowed: 'Överflöde',
  'callback-booked': 'Återuppringning bokad',
  'callback-cancelled': 'Återuppringning avbokad',
  'callback-no-answer': 'Återuppringning utan svar',
  'callback-denied': 'Återuppringning spärrad (nummerpolicy)',
  'media-node-lost': 'Bröts (mediaserverfel)',
  'setup-failed': 'Kunde inte tas emot (överbelastning)',
  'rejected-capacity': 'Avvisat (växeln full)',
  'voice-message': 'Lämnade röstmeddelande',
};

/** The operator's latest calls, newest first. */
export function RecentCalls({ calls }: { calls: CallView[] }) {
  return (
    <section aria-labelledby="recent-heading">
      <h2 id="recent-heading">Senaste samtal</h2>
      <DataTable
        caption="Dina senaste samtal, nyast först"
        columns={['Tid', 'Kommun', 'Uppringare', 'Samtalstid', 'Utfall']}
        items={calls}
        empty="Inga samtal ännu."
        row={(call) => ({
          key: call.callId,
          cells: [
            clock(call.enqueuedAt),
            call.municipality.name,
            call.callerDisplay,
            call.talkSeconds === undefined ? '–' : duration(call.talkSeconds),
            call.outcome ? OUTCOME_TEXT[call.outcome] : 'Pågår',
          ],
        })}
      />
    </section>
  );
}
