import { useState } from 'preact/hooks';
import type { OpeningExceptionDoc, OpeningHoursDoc } from '../../admin/opening-hours.js';
import { get, patch, post, remove } from '../api.js';
import { Notice, useAction } from '../use-action.js';
import { useData } from '../use-data.js';

type Stored<Doc> = Doc & { id: string; version: number };
type Day = keyof OpeningHoursDoc['weekly'];

const DAYS: [Day, string][] = [
  ['monday', 'Måndag'],
  ['tuesday', 'Tisdag'],
  ['wednesday', 'Onsdag'],
  ['thursday', 'Torsdag'],
  ['friday', 'Fredag'],
  ['saturday', 'Lördag'],
  ['sunday', 'Söndag'],
];

const KIND_TEXT: Record<OpeningExceptionDoc['kind'], string> = { closed: 'Stängt', open: 'Öppet', reduced: 'Begränsade tider' };

/** "08:00-12:00, 13:00-16:30" ⇄ the API's list of intervals; an empty field is a closed day. */
const intervalsText = (intervals: string[]) => intervals.join(', ');
const intervalsOf = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);
const localTime = (iso: string) => new Date(iso).toLocaleString('sv-SE', { dateStyle: 'short', timeStyle: 'short' });

/** Weekly hours (the config's at version 0 until stored), the manual override, and one-off exceptions. */
export function OpeningHours({ municipalityId }: { municipalityId: string }) {
  const hours = useData(() => get<Stored<OpeningHoursDoc>>(`/opening-hours/${municipalityId}`));
  const exceptions = useData(() => get<{ 'opening-hours-exceptions': Stored<OpeningExceptionDoc>[] }>(`/opening-hours-exceptions?municipality=${municipalityId}&limit=500`).then((r) => r['opening-hours-exceptions']));
  const { notice, act } = useAction(() => {
    hours.reload();
    exceptions.reload();
  });

  return (
    <section aria-labelledby="hours-heading">
      <h2 id="hours-heading">Öppettider</h2>
      {hours.data && (
        <WeeklyForm
          key={hours.data.version}
          hours={hours.data}
          onSave={(weekly) => act(() => patch(`/opening-hours/${municipalityId}`, { weekly }, hours.data!.version), 'Öppettiderna sparade')}
          onOverride={(override) => act(() => patch(`/opening-hours/${municipalityId}`, { override }, hours.data!.version), override ? 'Manuellt läge satt' : 'Manuellt läge borttaget')}
        />
      )}
      <h3>Undantag</h3>
      <ul class="plain">
        {(exceptions.data ?? []).map((x) => (
          <li>
            {localTime(x.start)}–{localTime(x.end)}: {KIND_TEXT[x.kind]}
            {x.hours?.length ? ` ${intervalsText(x.hours)}` : ''} ({x.reason}){' '}
            <button type="button" onClick={() => act(() => remove(`/opening-hours-exceptions/${x.id}`, x.version), 'Undantaget borttaget')} aria-label={`Ta bort undantaget ${x.reason}`}>
              Ta bort
            </button>
          </li>
        ))}
      </ul>
      <ExceptionForm onAdd={(x) => act(() => post('/opening-hours-exceptions', { municipalityId, ...x }), 'Undantaget tillagt')} />
      <Notice text={hours.error ?? exceptions.error ?? notice} />
    </section>
  );
}

function WeeklyForm({ hours, onSave, onOverride }: { hours: Stored<OpeningHoursDoc>; onSave: (weekly: Record<Day, string[]>) => void; onOverride: (override: { state: 'open' | 'closed'; until: string } | null) => void }) {
  const [days, setDays] = useState(Object.fromEntries(DAYS.map(([day]) => [day, intervalsText(hours.weekly[day])])) as Record<Day, string>);
  const [until, setUntil] = useState('');
  const submit = (event: Event) => {
    event.preventDefault();
    onSave(Object.fromEntries(DAYS.map(([day]) => [day, intervalsOf(days[day])])) as Record<Day, string[]>);
  };
  return (
    <>
      <form class="grid-form" onSubmit={submit} aria-label="Veckans öppettider">
        {DAYS.map(([day, name]) => (
          <>
            <label for={`hours-${day}`}>{name}</label>
            <input id={`hours-${day}`} value={days[day]} placeholder="stängt" onInput={(e) => setDays({ ...days, [day]: e.currentTarget.value })} />
          </>
        ))}
        <button type="submit">Spara öppettider</button>
      </form>
      <p>{hours.override ? `Manuellt ${hours.override.state === 'closed' ? 'stängt' : 'öppet'} till ${localTime(hours.override.until)}.` : 'Inget manuellt läge.'}</p>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          onOverride({ state: 'closed', until: new Date(until).toISOString() });
        }}
      >
        <label for="override-until">Stäng manuellt till</label>
        <input id="override-until" type="datetime-local" required value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
        <button type="submit">Stäng</button>
        {hours.override && (
          <button type="button" onClick={() => onOverride(null)}>
            Ta bort manuellt läge
          </button>
        )}
      </form>
    </>
  );
}

function ExceptionForm({ onAdd }: { onAdd: (exception: { start: string; end: string; kind: OpeningExceptionDoc['kind']; hours?: string[]; reason: string }) => void }) {
  const [x, setX] = useState({ start: '', end: '', kind: 'closed' as OpeningExceptionDoc['kind'], hours: '', reason: '' });
  const submit = (event: Event) => {
    event.preventDefault();
    onAdd({ start: new Date(x.start).toISOString(), end: new Date(x.end).toISOString(), kind: x.kind, reason: x.reason, ...(x.kind === 'closed' ? {} : { hours: intervalsOf(x.hours) }) });
  };
  return (
    <form class="grid-form" onSubmit={submit} aria-label="Nytt undantag">
      <label for="exception-start">Från</label>
      <input id="exception-start" type="datetime-local" required value={x.start} onInput={(e) => setX({ ...x, start: e.currentTarget.value })} />
      <label for="exception-end">Till</label>
      <input id="exception-end" type="datetime-local" required value={x.end} onInput={(e) => setX({ ...x, end: e.currentTarget.value })} />
      <label for="exception-kind">Slag</label>
      <select id="exception-kind" value={x.kind} onChange={(e) => setX({ ...x, kind: e.currentTarget.value as OpeningExceptionDoc['kind'] })}>
        {Object.entries(KIND_TEXT).map(([value, text]) => (
          <option value={value}>{text}</option>
        ))}
      </select>
      <label for="exception-hours">Tider (ej för stängt)</label>
      <input id="exception-hours" value={x.hours} disabled={x.kind === 'closed'} placeholder="10:00-13:00" onInput={(e) => setX({ ...x, hours: e.currentTarget.value })} />
      <label for="exception-reason">Anledning</label>
      <input id="exception-reason" required value={x.reason} onInput={(e) => setX({ ...x, reason: e.currentTarget.value })} />
      <button type="submit">Lägg till undantag</button>
    </form>
  );
}
