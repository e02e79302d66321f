import { useState } from 'preact/hooks';
import type { DirectoryEntryView } from '../../http/routes/directory.js';
import { api, get, post, remove } from '../api.js';
import { ABSENCE_TEXT, absenceText } from '../labels.js';
import { Notice, useAction } from '../use-action.js';
import { useData } from '../use-data.js';

type AbsenceReason = keyof typeof ABSENCE_TEXT;

/** The municipality's directory (first 500 entries) with each hänvisning: set or clear it, add a person, remove an entry. */
export function DirectoryEntries({ municipalityId }: { municipalityId: string }) {
  const list = useData(() => get<{ entries: DirectoryEntryView[] }>(`/directory/entries?municipality=${municipalityId}&limit=500`).then((r) => r.entries));
  const { notice, act } = useAction(list.reload);
  const [editing, setEditing] = useState<DirectoryEntryView>();

  return (
    <section aria-labelledby="entries-heading">
      <h2 id="entries-heading">Katalogen</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Namn</th>
            <th scope="col">Titel / avdelning</th>
            <th scope="col">Anknytning</th>
            <th scope="col">Hänvisning</th>
            <th scope="col">
              <span class="visually-hidden">Åtgärd</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((entry) => (
            <tr>
              <td>{entry.name}</td>
              <td>{[entry.title, entry.department].filter(Boolean).join(', ')}</td>
              <td>{entry.extension ?? '–'}</td>
              <td>{absenceText(entry.absence) ?? 'Tillgänglig'}</td>
              <td>
                <button type="button" onClick={() => setEditing(entry)} aria-label={`Ändra hänvisning för ${entry.name}`}>
                  Hänvisning
                </button>
                <button type="button" onClick={() => act(() => remove(`/directory/entries/${entry.id}`, entry.version), `${entry.name} borttagen ur katalogen`)} aria-label={`Ta bort ${entry.name} ur katalogen`}>
                  Ta bort
                </button>
                {entry.absence && (
                  <button type="button" onClick={() => act(() => remove(`/directory/entries/${entry.id}/absence`), `${entry.name} är tillgänglig`)} aria-label={`Ta bort hänvisningen för ${entry.name}`}>
                    Tillgänglig
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing && (
        <AbsenceForm
          entry={editing}
          onSave={(absence) => {
            setEditing(undefined);
            act(() => api('PUT', `/directory/entries/${editing.id}/absence`, absence), `Hänvisning satt för ${editing.name}`);
          }}
        />
      )}
      <NewPersonForm onAdd={(person) => act(() => post('/directory/entries', { kind: 'person', municipalityId, ...person }), `${person.givenName} ${person.familyName} tillagd`)} />
      <Notice text={list.error ?? notice} />
    </section>
  );
}

function AbsenceForm({ entry, onSave }: { entry: DirectoryEntryView; onSave: (absence: { reason: AbsenceReason; text?: string; until?: string }) => void }) {
  const [reason, setReason] = useState<AbsenceReason>(entry.absence?.reason ?? 'meeting');
  const [text, setText] = useState(entry.absence?.text ?? '');
  const [until, setUntil] = useState('');
  const submit = (event: Event) => {
    event.preventDefault();
    onSave({ reason, ...(text ? { text } : {}), ...(until ? { until: new Date(until).toISOString() } : {}) });
  };
  return (
    <form class="grid-form" onSubmit={submit} aria-label={`Hänvisning för ${entry.name}`}>
      <label for="absence-reason">Orsak</label>
      <select id="absence-reason" value={reason} onChange={(e) => setReason(e.currentTarget.value as AbsenceReason)}>
        {Object.entries(ABSENCE_TEXT).map(([value, label]) => (
          <option value={value}>{label}</option>
        ))}
      </select>
      <label for="absence-text">Text</label>
      <input id="absence-text" value={text} maxLength={200} onInput={(e) => setText(e.currentTarget.value)} />
      <label for="absence-until">Till (valfritt)</label>
      <input id="absence-until" type="datetime-local" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
      <button type="submit">Spara hänvisning</button>
    </form>
  );
}

function NewPersonForm({ onAdd }: { onAdd: (person: { givenName: string; familyName: string; title?: string; extension?: string }) => void }) {
  const [person, setPerson] = useState({ givenName: '', familyName: '', title: '', extension: '' });
  const field = (name: keyof typeof person, label: string) => (
    <>
      <label for={`person-${name}`}>{label}</label>
      <input id={`person-${name}`} value={person[name]} onInput={(e) => setPerson({ ...person, [name]: e.currentTarget.value })} />
    </>
  );
  const submit = (event: Event) => {
    event.preventDefault();
    onAdd({ givenName: person.givenName, familyName: person.familyName, ...(person.title ? { title: person.title } : {}), ...(person.extension ? { extension: person.extension } : {}) });
  };
  return (
    <form class="grid-form" onSubmit={submit} aria-label="Ny person i katalogen">
      {field('givenName', 'Förnamn')}
      {field('familyName', 'Efternamn')}
      {field('title', 'Titel (valfri)')}
      {field('extension', 'Anknytning (valfri)')}
      <button type="submit">Lägg till person</button>
    </form>
  );
}
