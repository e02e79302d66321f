import { useEffect, useState } from 'preact/hooks';
import type { CallView } from '../../http/call-view.js';
import type { ControlledCallView } from '../../http/routes/call-control.js';
import type { SearchHitView } from '../../http/routes/directory.js';
import type { MunicipalityView } from '../../http/routes/municipalities.js';
import type { AnsweredCallView, OperatorSessionView } from '../../http/routes/operator.js';
import type { QueueView } from '../../http/routes/queues.js';
import { useConfirm, useFocusLater } from '../admin/object-form.js';
import { ApiError, api, get, post, problemText } from '../api.js';
import { useEvents } from '../events.js';
import { StaleBanner } from '../stale-banner.js';
import { Notice, useAction } from '../use-action.js';
import { useData } from '../use-data.js';
import { type CallActions, CurrentCall, type Panel } from './current-call.js';
import { Messages } from './messages.js';
import { BROWSER_PHONE, isBrowserPhoneOf } from '../../operators/browser-phone.js';
import { type LoginBody, OperatorLogin } from './operator-login.js';
import { type ParkedCall, ParkedCalls } from './parked-calls.js';
import { QueueBoard } from './queue-board.js';
import { RecentCalls } from './recent-calls.js';
import { ScheduledCallbacks } from './scheduled-callbacks.js';
import { SHORTCUTS, type ShortcutAction, useShortcuts } from './shortcuts.js';
import { StatusBar } from './status-bar.js';
import { softphone } from './softphone.js';
import { SoftphonePanel } from './softphone-panel.js';

const DEFAULT_SERVICE_LEVEL_SECONDS = 30;

interface OperatorState {
  session: OperatorSessionView | null;
  queues: QueueView[];
  call?: ControlledCallView & { greeting?: string };
  parked: ParkedCall[];
  recent: CallView[];
  /** Call-backs booked for later (GET /callbacks), of the municipalities served. */
  scheduled: CallView[];
  fetchedAt: number;
}

/** Everything the operator view shows, read afresh after every event (see events.ts). */
async function loadOperatorState(): Promise<OperatorState> {
  const session = await get<OperatorSessionView>('/operator/session').catch((e: unknown) =>
    e instanceof ApiError && e.status === 404 ? null : Promise.reject(e),
  );
  const served = new Set(session?.municipalities);
  const [{ queues }, { calls }, call, parks, { callbacks }] = await Promise.all([
    get<{ queues: QueueView[] }>('/queues'),
    get<{ calls: CallView[] }>('/calls?limit=50'),
    session?.callId ? get<ControlledCallView>(`/calls/${session.callId}/control`) : undefined,
    Promise.all([...served].map((id) => get<{ calls: ParkedCall[] }>(`/parks/${id}`))),
    get<{ callbacks: CallView[] }>('/callbacks'),
  ]);
  return {
    session,
    queues: session ? queues.filter((q) => served.has(q.municipality.id)) : queues,
    call,
    parked: parks.flatMap((p) => p.calls),
    recent: calls.filter((c) => session && c.answeredBy === session.id).slice(0, 10),
    scheduled: callbacks.filter((c) => served.has(c.municipality.id)),
    fetchedAt: Date.now(),
  };
}

export function OperatorView() {
  const municipalities = useData(() =>
    get<{ municipalities: MunicipalityView[] }>('/municipalities').then((r) => r.municipalities),
  );
  const state = useData(loadOperatorState);
  const { stale } = useEvents(() => state.reload());
  const { notice, setNotice, act } = useAction(state.reload);
  const [panel, setPanel] = useState<Panel>();
  const { dialog, ask } = useConfirm();
  const focusLater = useFocusLater();

  const data = state.data;
  const call = data?.call;
  const targetOf = (id: string) =>
    municipalities.data?.find((m) => m.id === id)?.serviceLevelSeconds ?? DEFAULT_SERVICE_LEVEL_SECONDS;

  const answered = (result: AnsweredCallView) => {
    if (!result.call) return result.message ?? 'Ingen väntar.';
    const { municipality, callerDisplay, kind } = result.call;
    return `Din telefon ringer: ${municipality.name}, ${kind === 'callback' ? `återuppringning till ${callerDisplay}` : callerDisplay}`;
  };

  /**
   * Cancels a booked call-back (scheduled, or waiting in the queue) after asking, "Behåll" focused.
   * Its row goes, so the focus goes to the heading of the list it was in.
   */
  const cancelCallback = (
    c: { callId: string; callerDisplay: string; municipality: { name: string } },
    headingId: string,
  ) =>
    ask(
      `Avboka återuppringningen till ${c.callerDisplay} (${c.municipality.name})? Ingen ringer då upp.`,
      'Avboka',
      () =>
        act(
          () => post(`/callbacks/${c.callId}/cancel`),
          () => {
            focusLater(headingId);
            return `Återuppringningen till ${c.callerDisplay} är avbokad`;
          },
        ),
      'Behåll',
    );

  const actions: CallActions = {
    run: (path, body, done) => {
      act(() => post(path, body), done);
      setPanel(undefined);
    },
    transfer: (hit: SearchHitView, attended: boolean) => {
      if (!call) return;
      const target = hit.entry.extension
        ? { extension: hit.entry.extension }
        : hit.entry.phoneNumbers[0]
          ? { number: hit.entry.phoneNumbers[0] }
          : undefined;
      if (!target) return setNotice(`${hit.entry.name} har varken anknytning eller nummer.`);
      actions.run(
        `/calls/${call.callId}/transfer`,
        { ...target, mode: attended ? 'attended' : 'blind' },
        attended ? `Ringer ${hit.entry.name} – tala med mottagaren` : `Kopplar till ${hit.entry.name}`,
      );
    },
  };

  const onShortcut = (action: ShortcutAction) => {
    const callAction: Partial<Record<ShortcutAction, () => void>> = call
      ? {
          hold: () =>
            actions.run(
              `/calls/${call.callId}/${call.control === 'held' ? 'unhold' : 'hold'}`,
              undefined,
              call.control === 'held' ? 'Samtalet återtaget' : 'Samtalet i vänteläge',
            ),
          park: () => actions.run(`/calls/${call.callId}/park`, undefined, 'Samtalet parkerat'),
          hangup: () => actions.run(`/calls/${call.callId}/hangup`, undefined, 'Samtalet avslutat'),
          transfer: () => setPanel('transfer'),
          message: () => setPanel('message'),
          callback: () => setPanel('callback'),
        }
      : {};
    const always: Partial<Record<ShortcutAction, () => void>> = {
      answerNext: () => act(() => post<AnsweredCallView>('/operator/answer-next'), answered),
      ready: () => act(() => post('/operator/ready'), 'Du är redo'),
      pause: () => document.getElementById('pause-reason')?.focus(),
      messages: () => document.getElementById('messages-heading')?.focus(),
      scheduled: () => document.getElementById('scheduled-heading')?.focus(),
    };
    (callAction[action] ?? always[action] ?? (() => setNotice('Inget samtal att göra det med.')))();
  };
  useShortcuts(onShortcut);

  // Logged in with this browser (a reload, another tab's login): its phone registers again, with new credentials.
  const inBrowser = data?.session ? isBrowserPhoneOf(data.session.phone) : false;
  useEffect(() => {
    if (inBrowser && !softphone.running) softphone.start().catch((e: unknown) => setNotice(problemText(e)));
    if (!inBrowser && data && softphone.running) softphone.stop();
  }, [inBrowser, data !== undefined]);

  /** With this browser as phone, its phone gets credentials first: logging in needs them (409 softphone_missing). */
  const login = async (body: LoginBody) => {
    if (body.phone === BROWSER_PHONE) await softphone.start();
    await post('/operator/session', body).catch(async (e: unknown) => {
      // The operator account's phone may be this browser too ("Använd mina standardval").
      if (!(e instanceof ApiError && e.code === 'softphone_missing')) throw e;
      await softphone.start();
      await post('/operator/session', body);
    });
    await state.reload();
  };

  if (!data) return <p role="status">{state.error ?? 'Läser in…'}</p>;
  if (!data.session) {
    return <OperatorLogin municipalities={municipalities.data ?? []} onLogin={login} />;
  }
  return (
    <div class="operator">
      <h1 class="visually-hidden">Telefonist</h1>
      <StaleBanner stale={stale} error={state.error} />
      <StatusBar
        session={data.session}
        onReady={() => onShortcut('ready')}
        onPause={(reason, note) =>
          act(() => post('/operator/pause', { reason, ...(note ? { note } : {}) }), 'Du har paus')
        }
        onLogout={() => act(() => api('DELETE', '/operator/session'), 'Utloggad ur växeln')}
      />
      <Notice text={notice} />
      {dialog}
      <div class="columns">
        <div>
          {inBrowser && <SoftphonePanel />}
          {call ? (
            <CurrentCall call={call} greeting={call.greeting} panel={panel} setPanel={setPanel} actions={actions} />
          ) : (
            <section class="panel" aria-label="Inget samtal">
              <p>Inget samtal just nu.</p>
              <button type="button" onClick={() => onShortcut('answerNext')} aria-keyshortcuts="Alt+N">
                Svara på nästa (Alt+N)
              </button>
            </section>
          )}
          <QueueBoard
            queues={data.queues}
            fetchedAt={data.fetchedAt}
            targetOf={targetOf}
            onPick={(c) => act(() => post<AnsweredCallView>(`/operator/calls/${c.callId}/answer`), answered)}
            onCancel={(c) => cancelCallback(c, 'queues-heading')}
          />
          <ScheduledCallbacks callbacks={data.scheduled} onCancel={(c) => cancelCallback(c, 'scheduled-heading')} />
          <Messages
            municipalities={data.queues.map((q) => q.municipality)}
            refreshedAt={data.fetchedAt}
            onHandled={(m) =>
              act(() => post(`/messages/${m.id}/handled`), `Meddelandet till ${m.recipientName} är hanterat`)
            }
          />
        </div>
        <div>
          <ParkedCalls
            calls={data.parked}
            fetchedAt={data.fetchedAt}
            onRetrieve={(c) =>
              act(() => post(`/calls/${c.callId}/retrieve`), 'Hämtar det parkerade samtalet – din telefon ringer')
            }
          />
          <RecentCalls calls={data.recent} />
          <ShortcutHelp />
        </div>
      </div>
    </div>
  );
}

function ShortcutHelp() {
  return (
    <section aria-labelledby="shortcuts-heading">
      <h2 id="shortcuts-heading">Kortkommandon</h2>
      <dl class="shortcuts">
        {SHORTCUTS.map((s) => (
          <>
            <dt>
              <kbd>{s.key}</kbd>
            </dt>
            <dd>{s.text}</dd>
          </>
        ))}
      </dl>
    </section>
  );
}
