import type { RefObject } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { SearchHitView } from '../../http/routes/directory.js';
import { get, problemText } from '../api.js';
import { absenceText } from '../labels.js';

const DEBOUNCE_MS = 120;

/**
 * Search-as-you-type in the region's directory (an ARIA combobox): arrows move through the
 * hits, Enter chooses, Shift+Enter chooses "with a question first" (`alternate`). Each hit
 * shows its hänvisning, so the operator sees an absence before transferring.
 */
export function DirectorySearch({
  id,
  label,
  inputRef,
  onChoose,
}: {
  id: string;
  label: string;
  inputRef?: RefObject<HTMLInputElement>;
  onChoose: (hit: SearchHitView, alternate: boolean) => void;
}) {
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHitView[]>([]);
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string>();

  useEffect(() => {
    const q = query.trim();
    if (q.length < 2) {
      setHits([]);
      return;
    }
    // A newer query supersedes this one: its answer is dropped if it comes later.
    let current = true;
    const timer = setTimeout(() => {
      get<{ hits: SearchHitView[] }>(`/directory/search?${new URLSearchParams({ q, limit: '8' })}`).then(
        (r) => {
          if (!current) return;
          setHits(r.hits);
          setActive(0);
          setError(undefined);
        },
        (e: unknown) => current && setError(problemText(e)),
      );
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (hits.length ? (i + step + hits.length) % hits.length : 0));
    } else if (event.key === 'Enter' && hits[active]) {
      event.preventDefault();
      onChoose(hits[active], event.shiftKey);
    }
  };

  const listId = `${id}-hits`;
  const optionId = (i: number) => `${id}-hit-${i}`;
  return (
    <div class="directory-search">
      <label for={id}>{label}</label>
      <input
        id={id}
        ref={inputRef}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={hits.length > 0}
        aria-controls={listId}
        aria-activedescendant={hits.length ? optionId(active) : undefined}
        autocomplete="off"
        value={query}
        onInput={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" aria-label="Träffar">
        {hits.map((hit, i) => {
          const absence = absenceText(hit.absence);
          return (
            <li
              id={optionId(i)}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'active' : undefined}
              onClick={() => onChoose(hit, false)}
            >
              <span class="name">{hit.entry.name}</span>
              {hit.entry.title && <span> – {hit.entry.title}</span>}
              {hit.entry.department && <span>, {hit.entry.department}</span>}
              {hit.entry.extension && <span class="extension"> ankn. {hit.entry.extension}</span>}
              <span class={absence ? 'absent' : 'present'}>{absence ? ` Hänvisning: ${absence}` : ' Tillgänglig'}</span>
            </li>
          );
        })}
      </ul>
      <p class="visually-hidden" role="status">
        {query.trim().length >= 2 ? `${hits.length} träffar` : ''}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
