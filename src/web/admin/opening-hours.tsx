import type { OpeningExceptionDoc, OpeningHoursDoc } from '../../admin/opening-hours.js';
import { get, getVersioned, patch, post } from '../api.js';
import { Notice } from '../use-action.js';
import { useData } from '../use-data.js';
import { instantOf, localOf, localTime } from './local-time.js';
import { Field, FormFrame, type Stored, useObjectForm } from './object-form.js';
import { inSwedish } from './problems.js';
import { AdminTable, PAGE_SIZE, useAdminList } from './use-pages.js';

type Exception = OpeningExceptionDoc & { id: string; version: number };
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

const KIND_TEXT: Record<OpeningExceptionDoc['kind'], string> = {
  closed: 'Stängt',
  open: 'Öppet',
  reduced: 'Begränsade tider',
};
const OVERRIDE_TEXT = { closed: 'Stängt', open: 'Öppet' };

/** "08:00-12:00, 13:00-16:30" ⇄ the API's list of intervals; an empty field is a closed day. */
const intervalsText = (intervals: string[] | undefined) => (intervals ?? []).join(', ');
const intervalsOf = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const hoursPath = (municipalityId: string) => `/opening-hours/${municipalityId}`;
const exceptionPath = (id: string) => `/opening-hours-exceptions/${id}`;

/** Weekly hours (the config's at version 0 until stored), the manual override, and one-off exceptions. */
export function OpeningHours({ municipalityId }: { municipalityId: string }) {
  const hours = useData(() => getVersioned<OpeningHoursDoc>(hoursPath(municipalityId)));
  const exceptions = useAdminList<Exception>({
    headingId: 'exceptions-heading',
    deps: [],
    loadPage: (cursor) =>
      get<{ 'opening-hours-exceptions': Exception[]; nextCursor?: string }>(
        `/opening-hours-exceptions?${new URLSearchParams({ municipality: municipalityId, limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) })}`,
      ).then((r) => ({ items: r['opening-hours-exceptions'], nextCursor: r.nextCursor })),
  });
  // Both forms change the one hours object: each save re-reads it, and both forms go on from its new version.
  const hoursSaved = (text: string) => {
    exceptions.setNotice(text);
    hours.reload();
  };
  const override = hours.data?.value.override;
  const editing = exceptions.editing;
  const focusId = editing && `exception-edit-${editing.value.id}`;

  return (
    <section aria-labelledby="opening-hours-heading">
      <h2 id="opening-hours-heading">Öppettider</h2>
      {hours.data && (
        <>
          <WeeklyForm municipalityId={municipalityId} stored={hours.data} onSaved={hoursSaved} />
          <p>
            {override
              ? `Manuellt ${override.state === 'closed' ? 'stängt' : 'öppet'} till ${localTime(override.until)}.`
              : 'Inget manuellt läge: öppettiderna och undantagen gäller.'}
          </p>
          <OverrideForm municipalityId={municipalityId} stored={hours.data} onSaved={hoursSaved} />
          {override && (
            <button
              type="button"
              onClick={() =>
                exceptions.act(
                  () =>
                    inSwedish(patch(hoursPath(municipalityId), { override: null }, hours.data!.version)).finally(
                      hours.reload,
                    ),
                  'Manuellt läge borttaget',
                )
              }
            >
              Ta bort manuellt läge
            </button>
          )}
        </>
      )}
      <h3 id="exceptions-heading" tabIndex={-1}>
        Undantag
      </h3>
      <ExceptionForm
        key={editing?.value.id ?? 'new'}
        municipalityId={municipalityId}
        stored={editing}
        onSaved={(text) => exceptions.saved(text, focusId)}
        onCancel={editing && (() => exceptions.close(focusId))}
      />
      <AdminTable
        id="exceptions-list"
        caption="Undantag från öppettiderna"
        noun="Undantag"
        columns={['Från', 'Till', 'Slag', 'Tider', 'Anledning']}
        admin={exceptions}
        cells={(x) => [
          localTime(x.start),
          localTime(x.end),
          KIND_TEXT[x.kind],
          intervalsText(x.hours) || '–',
          x.reason,
        ]}
        actions={(x) => (
          <>
            <button
              type="button"
              id={`exception-edit-${x.id}`}
              onClick={() => exceptions.edit(exceptionPath(x.id))}
              aria-label={`Ändra undantaget ${x.reason}`}
            >
              Ändra
            </button>
          </>
        )}
        removal={(x) => ({
          label: `Ta bort undantaget ${x.reason}`,
          question: `Ta bort undantaget ${x.reason}?`,
          path: exceptionPath(x.id),
          done: 'Undantaget borttaget',
        })}
      />
      {exceptions.dialog}
      <Notice text={hours.error ?? exceptions.list.error ?? exceptions.notice} />
    </section>
  );
}

type HoursForm = { municipalityId: string; stored: Stored<OpeningHoursDoc>; onSaved: (text: string) => void };
const rereadHours = (municipalityId: string) => () => getVersioned<OpeningHoursDoc>(hoursPath(municipalityId));

/** Monday to Sunday, each its open intervals; the fields are named as the API names them (weekly.monday), so its problems land at the day. */
function WeeklyForm({ municipalityId, stored, onSaved }: HoursForm) {
  const valuesOf = (doc: OpeningHoursDoc) =>
    Object.fromEntries(DAYS.map(([day]) => [`weekly.${day}`, intervalsText(doc.weekly[day])]));
  const form = useObjectForm({
    id: 'hours',
    noun: 'öppettiderna',
    stored,
    blank: valuesOf(stored.value),
    valuesOf,
    save: (v, s) =>
      patch(
        hoursPath(municipalityId),
        { weekly: Object.fromEntries(DAYS.map(([day]) => [day, intervalsOf(v[`weekly.${day}`] ?? '')])) },
        s!.version,
      ),
    reread: rereadHours(municipalityId),
    onSaved: () => onSaved('Öppettiderna sparade'),
  });
  return (
    <FormFrame form={form} title="Veckans öppettider" submitText="Spara öppettider">
      <p class="hint form-note">Tider som 08:00-12:00, flera med kommatecken emellan; tomt är stängt.</p>
      {DAYS.map(([day, name]) => (
        <Field form={form} name={`weekly.${day}`} label={name} placeholder="stängt" />
      ))}
    </FormFrame>
  );
}

/** The manual switch: open or closed whatever the hours say, until a moment. */
function OverrideForm({ municipalityId, stored, onSaved }: HoursForm) {
  const valuesOf = (doc: OpeningHoursDoc) => ({
    'override.state': doc.override?.state ?? 'closed',
    'override.until': localOf(doc.override?.until),
  });
  const form = useObjectForm({
    id: 'override',
    noun: 'öppettiderna',
    stored,
    blank: valuesOf(stored.value),
    valuesOf,
    save: (v, s) =>
      patch(
        hoursPath(municipalityId),
        { override: { state: v['override.state'], until: instantOf(v['override.until']) } },
        s!.version,
      ),
    reread: rereadHours(municipalityId),
    onSaved: (v) =>
      onSaved(
        `Manuellt ${v['override.state'] === 'closed' ? 'stängt' : 'öppet'} till ${localTime(instantOf(v['override.until']))}`,
      ),
  });
  return (
    <FormFrame form={form} title="Manuellt läge" submitText="Sätt manuellt läge">
      <Field form={form} name="override.state" label="Läge" options={OVERRIDE_TEXT} />
      <Field form={form} name="override.until" label="Till" type="datetime-local" />
    </FormFrame>
  );
}

const BLANK_EXCEPTION = { start: '', end: '', kind: 'closed', hours: '', reason: '' };

/** One form for a new exception and for changing one (`stored`, read with its ETag). */
function ExceptionForm({
  municipalityId,
  stored,
  onSaved,
  onCancel,
}: {
  municipalityId: string;
  stored?: Stored<Exception> | undefined;
  onSaved: (text: string) => void;
  onCancel?: (() => void) | undefined;
}) {
  const form = useObjectForm({
    id: stored ? 'exception-edit' : 'exception-new',
    noun: 'undantaget',
    stored,
    blank: BLANK_EXCEPTION,
    valuesOf: (x: Exception) => ({
      start: localOf(x.start),
      end: localOf(x.end),
      kind: x.kind,
      hours: intervalsText(x.hours),
      reason: x.reason,
    }),
    save: (v, s) => {
      // Hours belong to open and reduced periods only; a change to closed removes them (null).
      const hours = v.kind === 'closed' ? (s ? null : undefined) : intervalsOf(v.hours);
      const body = { start: instantOf(v.start), end: instantOf(v.end), kind: v.kind, hours, reason: v.reason };
      return s
        ? patch(exceptionPath(s.value.id), body, s.version)
        : post('/opening-hours-exceptions', { municipalityId, ...body });
    },
    reread: () => getVersioned<Exception>(exceptionPath(stored!.value.id)),
    onSaved: (v) => onSaved(`Undantaget ${v.reason} ${stored ? 'sparat' : 'tillagt'}`),
  });
  return (
    <FormFrame
      form={form}
      title={stored ? `Ändra undantaget ${stored.value.reason}` : 'Nytt undantag'}
      submitText={stored ? 'Spara ändringarna' : 'Lägg till undantag'}
      onCancel={onCancel}
    >
      <Field form={form} name="start" label="Från" type="datetime-local" />
      <Field form={form} name="end" label="Till" type="datetime-local" />
      <Field form={form} name="kind" label="Slag" options={KIND_TEXT} />
      <Field
        form={form}
        name="hours"
        label="Tider (ej för stängt)"
        placeholder="10:00-13:00"
        disabled={form.values.kind === 'closed'}
      />
      <Field form={form} name="reason" label="Anledning" />
    </FormFrame>
  );
}
