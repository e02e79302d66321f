import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ControlledCallView } from '../../http/routes/call-control.js';
import type { SearchHitView } from '../../http/routes/directory.js';
import { absenceText } from '../labels.js';
import { DirectorySearch } from './directory-search.js';

/** Focuses the form's first field when it opens (it was opened by a shortcut or a button). */
function useFirstFocus() {
  const ref = useRef<HTMLFormElement>(null);
  useLayoutEffect(() => ref.current?.querySelector<HTMLElement>('input, textarea')?.focus(), []);
  return ref;
}

/** A message for an absent person (POST /messages), taken on this call. */
export function MessageForm({ call, onSend }: { call: ControlledCallView; onSend: (body: unknown) => void }) {
  const ref = useFirstFocus();
  const [recipient, setRecipient] = useState<SearchHitView>();
  const [callerName, setCallerName] = useState('');
  const [callerNumber, setCallerNumber] = useState(call.callerDisplay);
  const [text, setText] = useState('');

  const submit = (event: Event) => {
    event.preventDefault();
    if (!recipient) return;
    onSend({
      entryId: recipient.entry.id,
      callerName: callerName || undefined,
      callerNumber: callerNumber || undefined,
      text,
      callId: call.callId,
    });
  };
  return (
    <form ref={ref} class="panel-body" onSubmit={submit} aria-label="Ta ett meddelande">
      <DirectorySearch id="message-search" label="Till (sök i katalogen)" onChoose={setRecipient} />
      <p role="status">
        {recipient
          ? `Till: ${recipient.entry.name}${recipient.absence ? ` (${absenceText(recipient.absence)})` : ''}`
          : 'Välj mottagare'}
      </p>
      <label for="message-caller-name">Uppringarens namn</label>
      <input id="message-caller-name" value={callerName} onInput={(e) => setCallerName(e.currentTarget.value)} />
      <label for="message-caller-number">Uppringarens nummer</label>
      <input id="message-caller-number" value={callerNumber} onInput={(e) => setCallerNumber(e.currentTarget.value)} />
      <label for="message-text">Meddelande</label>
      {/* Enter is a new line here; Ctrl+Enter sends, so the form needs no mouse. */}
      <textarea
        id="message-text"
        required
        maxLength={2000}
        value={text}
        aria-keyshortcuts="Control+Enter"
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => e.ctrlKey && e.key === 'Enter' && e.currentTarget.form?.requestSubmit()}
      />
      <button type="submit" disabled={!recipient}>
        Spara meddelandet
      </button>
    </form>
  );
}

/** A call-back (POST /calls/{id}/callback): the caller's number unless another is given, now or in a window. */
export function CallbackForm({ call, onBook }: { call: ControlledCallView; onBook: (body: unknown) => void }) {
  const ref = useFirstFocus();
  const [number, setNumber] = useState(call.callerDisplay);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  // datetime-local is local time without offset; the API wants an instant, so it goes as UTC.
  const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);

  const submit = (event: Event) => {
    event.preventDefault();
    onBook({ number: number || undefined, from: instant(from), to: instant(to) });
  };
  return (
    <form ref={ref} class="panel-body" onSubmit={submit} aria-label="Återuppringning">
      <label for="callback-number">Nummer att ringa upp</label>
      <input id="callback-number" value={number} onInput={(e) => setNumber(e.currentTarget.value)} />
      <label for="callback-from">Tidigast (tomt: nu)</label>
      <input id="callback-from" type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
      <label for="callback-to">Senast</label>
      <input id="callback-to" type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
      <button type="submit">Boka återuppringning</button>
    </form>
  );
}
