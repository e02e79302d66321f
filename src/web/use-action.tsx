import { useState } from 'preact/hooks';
import { problemText } from './api.js';

/**
 * Runs API requests on the user's behalf and says how each went, for the page's live region:
 * `done` (a text, or made from the answer) on success, the API's problem otherwise. `after`
 * runs after a success (typically re-reading what the page shows).
 */
export function useAction(after: () => void) {
  const [notice, setNotice] = useState('');
  const act = <T,>(request: () => Promise<T>, done: string | ((result: T) => string)) =>
    void request().then(
      (result) => {
        setNotice(typeof done === 'string' ? done : done(result));
        after();
      },
      (e: unknown) => setNotice(problemText(e)),
    );
  return { notice, setNotice, act };
}

/** The polite live region a page's action results are read out from. */
export function Notice({ text }: { text: string }) {
  return (
    <p class="notice" role="status" aria-live="polite">
      {text}
    </p>
  );
}
