import { useCallback, useEffect, useState } from 'preact/hooks';
import { problemText } from './api.js';

/**
 * Loads with `load` now and on every `reload()`, keeping the last good data while a reload runs
 * or fails (the error is shown beside it).
 */
export function useData<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const reload = useCallback(() => {
    load().then(
      (value) => {
        setData(value);
        setError(undefined);
      },
      (e: unknown) => setError(problemText(e)),
    );
  }, deps);
  useEffect(reload, [reload]);
  return { data, error, reload };
}
