import { useLayoutEffect, useRef } from 'preact/hooks';
import type { ControlledCallView } from '../../http/routes/call-control.js';
import type { SearchHitView } from '../../http/routes/directory.js';
import { dateTime, duration, useNow } from '../format.js';
import { CONTROL_TEXT } from '../labels.js';
import { CallbackForm, MessageForm } from './call-forms.js';
import { DirectorySearch } from './directory-search.js';

export type Panel = 'transfer' | 'message' | 'callback' | undefined;

export interface CallActions {
  run: (path: string, body: unknown, done: string) => void;
  transfer: (hit: SearchHitView, attended: boolean) => void;
}

/**
 * The call the operator has: which municipality was called and the greeting to say, who calls,
 * the talk timer, and what can be done with it now. Forms open below (one at a time).
 */
export function CurrentCall({
  call,
  greeting,
  panel,
  setPanel,
  actions,
}: {
  call: ControlledCallView;
  greeting?: string;
  panel: Panel;
  setPanel: (panel: Panel) => void;
  actions: CallActions;
}) {
  const now = useNow();
  const searchRef = useRef<HTMLInputElement>(null);
  // Focused as the panel appears (not after paint), so keys typed right after Alt+K land in the search.
  useLayoutEffect(() => {
    if (panel === 'transfer') searchRef.current?.focus();
  }, [panel]);

  // The talk since this operator answered (answeredAt is the call's first answer, perhaps another's).
  const started = Date.parse(call.talkSince ?? call.enqueuedAt);
  // A call-back: the operator's phone rings first, then the switchboard dials the citizen.
  const callback = call.kind === 'callback';
  const consulting = call.control === 'consulting' || call.control === 'consulted';
  const button = (text: string, keys: string | undefined, onClick: () => void, disabled = false) => (
    <button type="button" onClick={onClick} disabled={disabled} aria-keyshortcuts={keys}>
      {text}
    </button>
  );
  const act = (action: string, done: string) => () => actions.run(`/calls/${call.callId}/${action}`, undefined, done);

  return (
    <section
      aria-labelledby="call-heading"
      class="panel current-call"
      onKeyDown={(e) => e.key === 'Escape' && setPanel(undefined)}
    >
      <h2 id="call-heading">
        {callback ? 'Återuppringning åt' : 'Samtal till'} {call.municipality.name}{' '}
        <span class="called">({call.calledNumberDisplay})</span>
      </h2>
      {greeting && (
        <p class="greeting">
          Säg: <q>{greeting}</q>
        </p>
      )}
      <dl class="call-facts">
        <dt>{callback ? 'Ringer upp' : 'Uppringare'}</dt>
        <dd>{call.callerDisplay}</dd>
        {call.windowTo && (
          <>
            <dt>Önskas senast</dt>
            <dd>{dateTime(call.windowTo)}</dd>
          </>
        )}
        <dt>{call.state === 'connecting' ? 'Ringer sedan' : 'Samtalstid'}</dt>
        <dd class="timer">{duration((now - started) / 1000)}</dd>
        {call.waitSeconds !== undefined && (
          <>
            <dt>Väntade i kö</dt>
            <dd>{duration(call.waitSeconds)}</dd>
          </>
        )}
        {call.recallFrom && (
          <>
            <dt>Tillbaka från</dt>
            <dd>{call.recallFrom} svarade inte</dd>
          </>
        )}
        {call.reasonDetail && (
          <>
            <dt>Anledning</dt>
            <dd>{call.reasonDetail}</dd>
          </>
        )}
      </dl>
      <p class="control-state" role="status">
        {call.state === 'connecting'
          ? `Din telefon ringer – svara i luren.${callback ? ` Sedan rings ${call.callerDisplay} upp.` : ''}`
          : call.control
            ? CONTROL_TEXT[call.control]
            : 'Samtal pågår'}
      </p>
      <div class="actions">
        {call.control === 'held'
          ? button('Återta från vänteläge', 'Alt+H', act('unhold', 'Samtalet återtaget'))
          : button('Vänteläge', 'Alt+H', act('hold', 'Samtalet i vänteläge'), consulting)}
        {button('Koppla', 'Alt+K', () => setPanel('transfer'), consulting)}
        {consulting && button('Slutför koppling', undefined, act('transfer/complete', 'Samtalet kopplat'))}
        {consulting && button('Avbryt koppling', undefined, act('transfer/cancel', 'Kopplingen avbruten'))}
        {button('Parkera', 'Alt+P', act('park', 'Samtalet parkerat'), consulting)}
        {button('Meddelande', 'Alt+M', () => setPanel('message'))}
        {button('Återuppringning', 'Alt+U', () => setPanel('callback'))}
        {button('Lägg på', 'Alt+L', act('hangup', 'Samtalet avslutat'))}
      </div>
      {panel === 'transfer' && (
        <div class="panel-body">
          <DirectorySearch
            id="transfer-search"
            label="Koppla till (namn, funktion, anknytning)"
            inputRef={searchRef}
            onChoose={actions.transfer}
          />
          <p class="hint">Enter kopplar direkt, Skift+Enter kopplar med förfrågan. Esc stänger.</p>
        </div>
      )}
      {panel === 'message' && (
        <MessageForm call={call} onSend={(body) => actions.run('/messages', body, 'Meddelandet sparat')} />
      )}
      {panel === 'callback' && (
        <CallbackForm
          call={call}
          onBook={(body) => actions.run(`/calls/${call.callId}/callback`, body, 'Återuppringning bokad')}
        />
      )}
    </section>
  );
}
