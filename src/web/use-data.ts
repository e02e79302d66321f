import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { problemText } from './api.js';

/**
 * Loads with `load` now and on every `reload()`, keeping the last good data while a reload runs
 * or fails (the error is shown beside it). `load` is the first render's: a component whose
 * source changes (another municipality) is re-mounted with a key. Events can start reloads
 * faster than they finish: an answer older than the one shown is dropped.
 */
export function useData<T>(load: () => Promise<T>) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const started = useRef(0);
  const shown = useRef(0);
  const reload = useCallback(() => {
    const request = ++started.current;
    const current = () => {
      if (request < shown.current) return false;
      shown.current = request;
      return true;
    };
    load().then(
      (value) => {
        if (!current()) return;
        setData(value);
        setError(undefined);
      },
      (e: unknown) => current() && setError(problemText(e)),
    );
  }, []);
  useEffect(reload, [reload]);
  return { data, error, reload };
}
