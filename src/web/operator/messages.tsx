import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { SearchHitView } from '../../http/routes/directory.js';
import type { MessageView } from '../../http/routes/messages.js';
import { get, getBlob, problemText } from '../api.js';
import { DataTable } from '../data-table.js';
import { dateTime } from '../format.js';
import { useData } from '../use-data.js';
import { DirectorySearch } from './directory-search.js';

type Municipality = { id: string; name: string };
type Person = SearchHitView['entry'];

/** Whose messages to list: one person's, else those of the municipalities given; handled ones too or not. */
interface Filter {
  municipalityIds: string[];
  personId?: string;
  withHandled: boolean;
}

/** Newest first. The API lists one municipality (or person) per request, so several are merged. */
async function loadMessages({ municipalityIds, personId, withHandled }: Filter): Promise<MessageView[]> {
  const whose = personId ? [{ entryId: personId }] : municipalityIds.map((municipality) => ({ municipality }));
  const lists = await Promise.all(
    whose.map((query) =>
      get<{ messages: MessageView[] }>(
        `/messages?${new URLSearchParams({ ...query, ...(withHandled ? {} : { handled: 'false' }), limit: '50' })}`,
      ),
    ),
  );
  return lists.flatMap((l) => l.messages).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/**
 * Messages taken for absent people, of all the municipalities served, one of them, or one person
 * found in the directory; not yet handled unless asked. `refreshedAt` changes whenever the view
 * re-reads (every event, every action), and the list re-reads with it.
 */
export function Messages({
  municipalities,
  refreshedAt,
  onHandled,
}: {
  municipalities: Municipality[];
  refreshedAt: number;
  onHandled: (message: MessageView) => void;
}) {
  const [municipalityId, setMunicipalityId] = useState('');
  const [person, setPerson] = useState<Person>();
  const [withHandled, setWithHandled] = useState(false);
  const showAll = useRef<HTMLButtonElement>(null);
  // The search is re-mounted empty once a person is chosen (see its key), so the focus goes on to "Visa alla meddelanden".
  useLayoutEffect(() => {
    if (person) showAll.current?.focus();
  }, [person]);

  const filter: Filter = {
    municipalityIds: municipalityId ? [municipalityId] : municipalities.map((m) => m.id),
    personId: person?.id,
    withHandled,
  };
  return (
    <section aria-labelledby="messages-heading" class="messages">
      <h2 id="messages-heading" tabIndex={-1}>
        Meddelanden
      </h2>
      <div class="filters">
        <label for="messages-municipality">Kommun</label>
        <select
          id="messages-municipality"
          value={municipalityId}
          disabled={Boolean(person)}
          onChange={(e) => setMunicipalityId(e.currentTarget.value)}
        >
          <option value="">Alla dina kommuner</option>
          {municipalities.map((m) => (
            <option value={m.id}>{m.name}</option>
          ))}
        </select>
        <DirectorySearch
          key={person?.id ?? 'none'}
          id="messages-person"
          label="Person (sök i katalogen)"
          onChoose={(hit) => setPerson(hit.entry)}
        />
        {person && (
          <p>
            Visar meddelanden till {person.name}.{' '}
            <button type="button" ref={showAll} onClick={() => setPerson(undefined)}>
              Visa alla meddelanden
            </button>
          </p>
        )}
        <label class="check">
          <input type="checkbox" checked={withHandled} onChange={(e) => setWithHandled(e.currentTarget.checked)} /> Visa
          hanterade
        </label>
      </div>
      <MessageList key={JSON.stringify(filter)} filter={filter} refreshedAt={refreshedAt} onHandled={onHandled} />
    </section>
  );
}

function MessageList({
  filter,
  refreshedAt,
  onHandled,
}: {
  filter: Filter;
  refreshedAt: number;
  onHandled: (message: MessageView) => void;
}) {
  const messages = useData(() => loadMessages(filter));
  useEffect(messages.reload, [refreshedAt]);
  const table = useRef<HTMLTableElement>(null);
  const handling = useRef(false);
  // A message marked handled leaves the list with its button, and the focus with it: it goes to
  // the next message's button (or the heading), so the operator can go on with Enter.
  useLayoutEffect(() => {
    if (!handling.current || document.activeElement !== document.body) return;
    handling.current = false;
    (
      table.current?.querySelector<HTMLButtonElement>('button.handle') ?? document.getElementById('messages-heading')
    )?.focus();
  }, [messages.data]);

  if (!messages.data) return <p role="status">{messages.error ?? 'Läser in…'}</p>;
  return (
    <DataTable
      tableRef={table}
      caption="Meddelanden, nyast först"
      columns={['Tagit', 'Till', 'Från', { label: 'Meddelande', class: 'message-text' }, 'Status']}
      items={messages.data}
      empty="Inga meddelanden."
      row={(m) => ({
        key: m.id,
        attrs: { 'data-message-id': m.id },
        cells: [
          dateTime(m.createdAt),
          <>
            {m.recipientName}
            {m.extension && <span class="hint"> ankn. {m.extension}</span>}
            {m.delivery && m.delivery.state !== 'sent' && (
              // Not (yet) in the person's mailbox: the operator may need to tell them another way.
              <>
                {' '}
                <span class="badge late">
                  ej levererat{m.delivery.state === 'no-address' ? ' (ingen e-postadress)' : ''}
                </span>
              </>
            )}
            {m.smsDelivery && m.smsDelivery.state !== 'sent' && (
              <>
                {' '}
                <span class="badge late">
                  ej levererat (sms{m.smsDelivery.state === 'no-address' ? ': inget mobilnummer' : ''})
                </span>
              </>
            )}
          </>,
          [m.callerName, m.callerNumberDisplay].filter(Boolean).join(', ') || 'Okänd',
          <>
            {m.text}
            {m.recordingMs !== undefined && (
              <>
                {' '}
                <Recording message={m} />
              </>
            )}
          </>,
          m.handledAt ? (
            `Hanterat ${dateTime(m.handledAt)}`
          ) : (
            <button
              type="button"
              class="handle"
              onClick={() => {
                handling.current = true;
                onHandled(m);
              }}
              aria-label={`Markera hanterat: till ${m.recipientName}, ${dateTime(m.createdAt)}`}
            >
              Markera hanterat
            </button>
          ),
        ],
      })}
    />
  );
}

/**
 * A voice message's recording: fetched with the console's token when asked for (an audio
 * element's own request could not send it) and played from an object URL, freed when the row goes.
 */
function Recording({ message }: { message: MessageView }) {
  const [url, setUrl] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const audio = useRef<HTMLAudioElement>(null);
  useEffect(() => () => url && URL.revokeObjectURL(url), [url]);
  useEffect(() => {
    audio.current?.play().catch(() => undefined);
  }, [url]);
  const what = `röstmeddelandet till ${message.recipientName}, ${dateTime(message.createdAt)}`;
  if (url) return <audio ref={audio} controls src={url} aria-label={`Spela ${what}`} />;
  return (
    <>
      <button
        type="button"
        onClick={() =>
          getBlob(`/messages/${encodeURIComponent(message.id)}/recording`).then(
            (blob) => setUrl(URL.createObjectURL(blob)),
            (error: unknown) => setProblem(problemText(error)),
          )
        }
        aria-label={`Spela upp ${what}`}
      >
        Spela upp
      </button>
      {problem && <span role="alert"> {problem}</span>}
    </>
  );
}
