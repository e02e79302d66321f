import { useState } from 'preact/hooks';
import type { DirectoryEntryView, SearchHitView } from '../../http/routes/directory.js';
import { api, get, getVersioned, post, remove } from '../api.js';
import { ABSENCE_TEXT, ENTRY_KIND_TEXT, absenceText } from '../labels.js';
import { Notice } from '../use-action.js';
import { instantOf, localOf } from './local-time.js';
import { Field, FormFrame, type Stored, useObjectForm } from './object-form.js';
import { inSwedish } from './problems.js';
import { AdminTable, PAGE_SIZE, useAdminList } from './use-pages.js';

type Entry = DirectoryEntryView;

const entryPath = (id: string) => `/directory/entries/${id}`;

/**
 * The municipality's directory: people, departments and functions, a page at a time or found by
 * the operators' search; add, change (PUT with If-Match), remove, and set or clear each
 * hänvisning. `imported` changes after a CSV import, which starts the list afresh.
 */
export function DirectoryEntries({ municipalityId, imported }: { municipalityId: string; imported: number }) {
  const [query, setQuery] = useState('');
  const admin = useAdminList<Entry>({
    headingId: 'entries-heading',
    deps: [query, imported],
    loadPage: (cursor) =>
      query.trim()
        ? // The list API has no filter; the search has (name, title, keyword, number), up to 100 hits, best first.
          get<{ hits: SearchHitView[] }>(
            `/directory/search?${new URLSearchParams({ q: query.trim(), municipality: municipalityId, limit: '100' })}`,
          ).then((r) => ({ items: r.hits.map((h) => h.entry) }))
        : get<{ entries: Entry[]; nextCursor?: string }>(
            `/directory/entries?${new URLSearchParams({ municipality: municipalityId, limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) })}`,
          ).then((r) => ({
            items: r.entries,
            nextCursor: r.nextCursor,
          })),
  });
  const [absenceOf, setAbsenceOf] = useState<Entry>();
  const editing = admin.editing;
  const focusId = editing ? `entry-edit-${editing.value.id}` : absenceOf && `entry-absence-${absenceOf.id}`;
  const close = () => {
    setAbsenceOf(undefined);
    admin.close(focusId);
  };

  return (
    <section aria-labelledby="entries-heading">
      <h2 id="entries-heading" tabIndex={-1}>
        Katalogen
      </h2>
      {absenceOf ? (
        <AbsenceForm
          key={`absence-${absenceOf.id}`}
          entry={absenceOf}
          onSaved={(text) => {
            setAbsenceOf(undefined);
            admin.saved(text, focusId);
          }}
          onCancel={close}
        />
      ) : (
        <EntryForm
          key={editing?.value.id ?? 'new'}
          municipalityId={municipalityId}
          stored={editing}
          onSaved={(text) => admin.saved(text, focusId)}
          onCancel={editing && close}
        />
      )}
      <p class="inline">
        <label for="entries-filter">Sök i katalogen</label>
        <input
          id="entries-filter"
          type="search"
          value={query}
          maxLength={100}
          aria-describedby="entries-filter-hint"
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        <span id="entries-filter-hint" class="hint">
          Namn, titel, avdelning, sökord eller nummer; högst 100 träffar, bäst först.
        </span>
      </p>
      <AdminTable
        id="entries-list"
        caption="Katalogens poster"
        noun="Poster"
        columns={['Namn', 'Slag', 'Titel / avdelning', 'Anknytning', 'Hänvisning']}
        admin={admin}
        cells={(entry) => [
          entry.name,
          ENTRY_KIND_TEXT[entry.kind],
          [entry.title, entry.department].filter(Boolean).join(', '),
          entry.extension ?? '–',
          absenceText(entry.absence) ?? 'Tillgänglig',
        ]}
        actions={(entry) => (
          <>
            <button
              type="button"
              id={`entry-edit-${entry.id}`}
              onClick={() => {
                setAbsenceOf(undefined);
                admin.edit(entryPath(entry.id));
              }}
              aria-label={`Ändra ${entry.name}`}
            >
              Ändra
            </button>
            <button
              type="button"
              id={`entry-absence-${entry.id}`}
              onClick={() => {
                admin.close();
                setAbsenceOf(entry);
              }}
              aria-label={`Ändra hänvisning för ${entry.name}`}
            >
              Hänvisning
            </button>
            {entry.absence && (
              <button
                type="button"
                onClick={() =>
                  admin.act(() => inSwedish(remove(`${entryPath(entry.id)}/absence`)), `${entry.name} är tillgänglig`)
                }
                aria-label={`Ta bort hänvisningen för ${entry.name}`}
              >
                Tillgänglig
              </button>
            )}
          </>
        )}
        removal={(entry) => ({
          label: `Ta bort ${entry.name} ur katalogen`,
          question: `Ta bort ${entry.name} ur katalogen?`,
          path: entryPath(entry.id),
          done: `${entry.name} borttagen ur katalogen`,
        })}
      />
      {admin.dialog}
      <Notice text={admin.list.error ?? admin.notice} />
    </section>
  );
}

const BLANK = {
  kind: 'person',
  givenName: '',
  familyName: '',
  name: '',
  title: '',
  department: '',
  keywords: '',
  phoneNumbers: '',
  extension: '',
  email: '',
  location: '',
};
type EntryValues = typeof BLANK;

/** Lists are written with commas between ("bygglov, plan"). */
const listOf = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
/** An emptied optional field means none (the API refuses an empty extension or e-mail). */
const optional = (text: string) => text.trim() || undefined;

const valuesOf = (e: Entry): EntryValues => ({
  kind: e.kind,
  givenName: e.givenName ?? '',
  familyName: e.familyName ?? '',
  name: e.kind === 'person' ? '' : e.name,
  title: e.title ?? '',
  department: e.department ?? '',
  keywords: e.keywords.join(', '),
  phoneNumbers: e.phoneNumbersDisplay.join(', '),
  extension: e.extension ?? '',
  email: e.email ?? '',
  location: e.location ?? '',
});

/** The whole entry, as PUT replaces it: the hänvisning goes back as stored, since this form does not edit it. */
function bodyOf(v: EntryValues, municipalityId: string, absence: Entry['absence']) {
  const person = v.kind === 'person';
  return {
    kind: v.kind,
    ...(person ? { givenName: v.givenName, familyName: v.familyName } : { name: v.name }),
    municipalityId,
    title: optional(v.title),
    department: optional(v.department),
    keywords: listOf(v.keywords),
    phoneNumbers: listOf(v.phoneNumbers),
    extension: optional(v.extension),
    email: optional(v.email),
    location: optional(v.location),
    absence,
  };
}

/** One form for a new entry and for changing one (`stored`, read with its ETag): a person has given and family name, a department or function one name. */
function EntryForm({
  municipalityId,
  stored,
  onSaved,
  onCancel,
}: {
  municipalityId: string;
  stored?: Stored<Entry> | undefined;
  onSaved: (text: string) => void;
  onCancel?: (() => void) | undefined;
}) {
  const form = useObjectForm({
    id: stored ? 'entry-edit' : 'entry-new',
    noun: 'posten',
    stored,
    blank: BLANK,
    valuesOf,
    save: (v, s) =>
      s
        ? api('PUT', entryPath(s.value.id), bodyOf(v, municipalityId, s.value.absence), s.version)
        : post('/directory/entries', bodyOf(v, municipalityId, null)),
    reread: () => getVersioned<Entry>(entryPath(stored!.value.id)),
    onSaved: (v) =>
      onSaved(
        `${v.kind === 'person' ? `${v.givenName} ${v.familyName}` : v.name} ${stored ? 'sparad' : 'tillagd i katalogen'}`,
      ),
  });
  const person = form.values.kind === 'person';
  return (
    <FormFrame
      form={form}
      title={stored ? `Ändra ${stored.value.name}` : 'Ny post i katalogen'}
      submitText={stored ? 'Spara ändringarna' : 'Lägg till i katalogen'}
      onCancel={onCancel}
    >
      <Field form={form} name="kind" label="Slag" options={ENTRY_KIND_TEXT} />
      {person ? (
        <>
          <Field form={form} name="givenName" label="Förnamn" />
          <Field form={form} name="familyName" label="Efternamn" />
        </>
      ) : (
        <Field form={form} name="name" label="Namn" />
      )}
      <Field form={form} name="title" label="Titel (valfri)" />
      <Field form={form} name="department" label="Avdelning (valfri)" />
      <Field
        form={form}
        name="keywords"
        label="Sökord (valfria)"
        hint="Med kommatecken emellan, t.ex. bygglov, detaljplan"
      />
      <Field form={form} name="extension" label="Anknytning (valfri)" />
      <Field
        form={form}
        name="phoneNumbers"
        label="Telefonnummer (valfria)"
        hint="Med kommatecken emellan, t.ex. 0935-141 23"
      />
      <Field form={form} name="email" label="E-post (valfri)" type="email" />
      <Field form={form} name="location" label="Besöksadress / plats (valfri)" />
    </FormFrame>
  );
}

/** The hänvisning of one entry (PUT …/absence): applied to the entry as it is now, so no If-Match. */
/** Also the personal page's (web/personal/), where a person sets their own at `path`. */
export function AbsenceForm({
  entry,
  path = `${entryPath(entry.id)}/absence`,
  onSaved,
  onCancel,
}: {
  entry: Entry;
  path?: string;
  onSaved: (text: string) => void;
  onCancel?: () => void;
}) {
  const form = useObjectForm({
    id: 'absence',
    noun: 'hänvisningen',
    blank: {
      reason: entry.absence?.reason ?? 'meeting',
      text: entry.absence?.text ?? '',
      until: localOf(entry.absence?.until),
    },
    save: (v) =>
      api('PUT', path, {
        reason: v.reason,
        text: optional(v.text),
        until: optional(instantOf(v.until)),
      }),
    onSaved: () => onSaved(`Hänvisning satt för ${entry.name}`),
  });
  return (
    <FormFrame form={form} title={`Hänvisning för ${entry.name}`} submitText="Spara hänvisning" onCancel={onCancel}>
      <Field form={form} name="reason" label="Orsak" options={ABSENCE_TEXT} />
      <Field form={form} name="text" label="Text (valfri)" />
      <Field form={form} name="until" label="Till (valfritt)" type="datetime-local" />
    </FormFrame>
  );
}
