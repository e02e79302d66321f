import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { getVersioned, remove } from '../api.js';
import { DataTable } from '../data-table.js';
import { useAction } from '../use-action.js';
import { type Stored, useConfirm, useFocusLater } from './object-form.js';
import { inSwedish, swedishError } from './problems.js';

/** A page of a list as the API answers it: items and, unless it is the last, the cursor of the next. */
export interface Page<T> {
  items: T[];
  nextCursor?: string | undefined;
}

interface Shown<T> {
  items: T[];
  next?: string | undefined;
  pages: number;
}

/** Rows per request: a screenful or a few, so a large municipality's list starts quickly. */
export const PAGE_SIZE = 100;

/**
 * A list read a page at a time by the API's cursor ("Visa fler" reads the next). The API pages
 * by key, so objects added or removed meanwhile never shift the pages. `reload` (after a change)
 * reads again as many pages as are shown, so a change far down the list keeps the reader's
 * place; a change of `deps` (a search, an import) starts again from the first page. An answer
 * older than the one shown is dropped, since a reload can overtake a slower one.
 */
export function usePages<T>(loadPage: (cursor: string | undefined) => Promise<Page<T>>, deps: unknown[]) {
  const load = useRef(loadPage);
  load.current = loadPage;
  const [shown, setShown] = useState<Shown<T>>();
  const [error, setError] = useState<string>();
  const latest = useRef(0);
  const pending = useRef<Promise<void>>();
  const current = useRef(shown);
  current.current = shown;

  async function read(pages: number, from: Shown<T> = { items: [], pages: 0 }): Promise<void> {
    const request = ++latest.current;
    try {
      let result = from;
      while (result.pages < pages && (result.pages === 0 || result.next)) {
        const page = await load.current(result.next);
        result = { items: [...result.items, ...page.items], next: page.nextCursor, pages: result.pages + 1 };
      }
      if (request !== latest.current) return;
      setShown(result);
      setError(undefined);
    } catch (e) {
      if (request === latest.current) setError(swedishError(e));
    }
  }

  useEffect(() => void read(1), deps);
  return {
    items: shown?.items,
    hasMore: Boolean(shown?.next),
    error,
    reload: () => void read(Math.max(current.current?.pages ?? 1, 1)),
    // A second click while the next page is on its way asks for nothing more.
    more: () => {
      const shownNow = current.current;
      if (!pending.current && shownNow?.next)
        pending.current = read(shownNow.pages + 1, shownNow).finally(() => (pending.current = undefined));
      return pending.current ?? Promise.resolve();
    },
  };
}

/**
 * Under a list: how many rows it shows, and "Visa fler" while the API has more. After more are
 * read, the focus goes to the first new row's first button (the button itself may be gone).
 */
export function ListFooter({
  list,
  listId,
  noun,
}: {
  list: ReturnType<typeof usePages<unknown>>;
  listId: string;
  noun: string;
}) {
  const firstNew = useRef<number>();
  const count = list.items?.length ?? 0;
  useLayoutEffect(() => {
    if (firstNew.current === undefined || count <= firstNew.current) return;
    document.querySelector<HTMLElement>(`#${listId} [data-row="${firstNew.current}"] button`)?.focus();
    firstNew.current = undefined;
  }, [count]);
  if (!list.items) return null;
  return (
    <div class="inline list-footer">
      <p role="status">
        {noun}: {count}
        {list.hasMore ? ' visas, det finns fler.' : ' (alla).'}
      </p>
      {list.hasMore && (
        <button
          type="button"
          onClick={() => {
            firstNew.current = count;
            void list.more();
          }}
        >
          Visa fler
        </button>
      )}
    </div>
  );
}

/** How a row's object is removed: its button's name, the question asked first, its API path and what is said after. */
export interface Removal {
  label: string;
  question: string;
  path: string;
  done: string;
}

/**
 * An admin list as a table: a caption for screen readers, a header per column, per object its
 * cells, then its buttons and last "Ta bort" (asked first, useAdminList's remove), and the
 * footer with "Visa fler". `data-row` is how ListFooter finds the first new row.
 */
export function AdminTable<T extends { version: number }>({
  id,
  caption,
  noun,
  columns,
  admin,
  cells,
  actions,
  removal,
}: {
  id: string;
  caption: string;
  noun: string;
  columns: string[];
  admin: ReturnType<typeof useAdminList<T>>;
  cells: (item: T) => ComponentChildren[];
  actions: (item: T) => ComponentChildren;
  removal: (item: T) => Removal;
}) {
  const removeButton = (item: T) => {
    const { label, question, path, done } = removal(item);
    return (
      <button
        type="button"
        class="danger"
        onClick={() => admin.remove(question, path, item.version, done)}
        aria-label={label}
      >
        Ta bort
      </button>
    );
  };
  return (
    <>
      <DataTable
        id={id}
        caption={caption}
        columns={[...columns, { label: 'Åtgärd', hidden: true, class: 'actions' }]}
        items={admin.list.items ?? []}
        row={(item, row) => ({
          attrs: { 'data-row': row },
          cells: [
            ...cells(item),
            <>
              {actions(item)}
              {removeButton(item)}
            </>,
          ],
        })}
      />
      <ListFooter list={admin.list} listId={id} noun={noun} />
    </>
  );
}

/**
 * What each admin list does around its rows: the pages, the page's notice, the object whose form
 * is open (read with its ETag), and removal after a question. The focus goes back to the row's
 * button when a form closes, and to the list's heading when a removed row is gone.
 */
export function useAdminList<T>({
  loadPage,
  deps,
  headingId,
}: {
  loadPage: (cursor: string | undefined) => Promise<Page<T>>;
  deps: unknown[];
  headingId: string;
}) {
  const list = usePages(loadPage, deps);
  const { notice, setNotice, act } = useAction(list.reload);
  const [editing, setEditing] = useState<Stored<T>>();
  const { dialog, ask } = useConfirm();
  const focusLater = useFocusLater();
  const close = (focusId?: string) => {
    setEditing(undefined);
    if (focusId) focusLater(focusId);
  };
  return {
    list,
    notice,
    setNotice,
    act,
    editing,
    dialog,
    close,
    // A new form clears the last notice: "… sparad" must not stand while the next change is unsaved.
    edit: (path: string) => {
      setNotice('');
      void getVersioned<T>(path).then(setEditing, (e: unknown) => setNotice(swedishError(e)));
    },
    /** After a form saved: says so, re-reads the list, closes an open form. */
    saved: (text: string, focusId?: string) => {
      setNotice(text);
      list.reload();
      close(focusId);
    },
    // A refused removal (someone changed or removed the object meanwhile) re-reads too: the list was out of date.
    remove: (question: string, path: string, version: number, doneText: string) =>
      ask(question, 'Ta bort', () =>
        act(
          () =>
            inSwedish(remove(path, version)).then(
              () => focusLater(headingId),
              (e: unknown) => (list.reload(), Promise.reject(e)),
            ),
          doneText,
        ),
      ),
  };
}
