import { useState } from 'preact/hooks';
import type { OperatorSessionView } from '../../http/routes/operator.js';
import { duration, useNow } from '../format.js';
import { OPERATOR_STATE_TEXT, PAUSE_REASON_TEXT } from '../labels.js';

type PauseReason = keyof typeof PAUSE_REASON_TEXT;

/** The operator's own state, with Redo and Paus (a reason from the API's list, and a note). */
export function StatusBar({
  session,
  onReady,
  onPause,
  onLogout,
}: {
  session: OperatorSessionView;
  onReady: () => void;
  onPause: (reason: PauseReason, note: string) => void;
  onLogout: () => void;
}) {
  const now = useNow();
  const [reason, setReason] = useState<PauseReason>('break');
  const [note, setNote] = useState('');
  const state = OPERATOR_STATE_TEXT[session.state];
  const paused =
    session.state === 'paused' && session.pauseReason
      ? `: ${PAUSE_REASON_TEXT[session.pauseReason]}${session.pauseNote ? ` (${session.pauseNote})` : ''}`
      : '';

  return (
    <section class={`status-bar state-${session.state}`} aria-label="Din status">
      <p>
        <strong>{session.name}</strong> – {state}
        {paused} sedan {duration((now - session.stateSince) / 1000)}
      </p>
      <button
        type="button"
        onClick={onReady}
        disabled={session.state !== 'paused' && session.state !== 'wrap-up'}
        aria-keyshortcuts="Alt+R"
      >
        Redo
      </button>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          onPause(reason, note);
        }}
      >
        <label for="pause-reason">Orsak</label>
        <select id="pause-reason" value={reason} onChange={(e) => setReason(e.currentTarget.value as PauseReason)}>
          {Object.entries(PAUSE_REASON_TEXT).map(([value, text]) => (
            <option value={value}>{text}</option>
          ))}
        </select>
        <label for="pause-note">Anteckning</label>
        <input id="pause-note" value={note} maxLength={200} onInput={(e) => setNote(e.currentTarget.value)} />
        <button type="submit" id="pause-button" aria-keyshortcuts="Alt+S">
          Paus
        </button>
      </form>
      <button type="button" onClick={onLogout}>
        Logga ut ur växeln
      </button>
    </section>
  );
}
