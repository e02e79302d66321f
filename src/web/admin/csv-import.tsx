import { useState } from 'preact/hooks';
import type { ImportReportView } from '../../http/routes/csv-transfer.js';
import { ApiError, answer, token } from '../api.js';
import { swedishError, swedishProblem } from './problems.js';

type Problem = ImportReportView['problems'][number];
type Progress = { phase: 'uploading'; ratio: number } | { phase: 'checking' } | undefined;

const TARGETS = {
  entries: { text: 'Katalogen', path: '/directory/entries/import' },
  extensions: { text: 'Anknytningar', path: '/extensions/import' },
} as const;

/**
 * Sends a CSV file with XMLHttpRequest rather than fetch: only XHR reports upload progress, which
 * is what a large file spends its time on; the server's checking is shown as indeterminate.
 */
function upload(url: string, file: File, onProgress: (progress: Progress) => void): Promise<ImportReportView> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', url);
    request.setRequestHeader('authorization', `Bearer ${token.get() ?? ''}`);
    request.setRequestHeader('content-type', 'text/csv');
    request.upload.onprogress = (e) =>
      onProgress({ phase: 'uploading', ratio: e.lengthComputable ? e.loaded / e.total : 0 });
    request.upload.onload = () => onProgress({ phase: 'checking' });
    request.onload = () => {
      try {
        resolve(answer<ImportReportView>(request.status, request.responseText));
      } catch (e) {
        reject(e);
      }
    };
    request.onerror = () => reject(new Error('network'));
    request.send(file);
  });
}

const counts = (r: ImportReportView) =>
  `${r.rows} rader: ${r.created} nya, ${r.updated} ändrade, ${r.unchanged} oförändrade, ${r.deleted} borttagna`;

/**
 * CSV import of the directory or the extensions: first a check (dry run) listing every bad row,
 * then the import itself, which `onImported` tells the page about (its lists read afresh).
 */
export function CsvImport({ municipalityId, onImported }: { municipalityId: string; onImported: () => void }) {
  const [target, setTarget] = useState<keyof typeof TARGETS>('entries');
  const [mode, setMode] = useState<'upsert' | 'replace'>('upsert');
  const [file, setFile] = useState<File>();
  const [progress, setProgress] = useState<Progress>();
  const [report, setReport] = useState<ImportReportView>();
  const [problems, setProblems] = useState<Problem[]>([]);
  const [message, setMessage] = useState('');
  const [importing, setImporting] = useState(false);
  // A check is for one file, target and mode: choosing another asks for a new check before Importera.
  const choose =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setReport(undefined);
      setProblems([]);
      setMessage('');
    };

  const run = (dryRun: boolean) => {
    if (!file) return;
    setReport(undefined);
    setProblems([]);
    setMessage('');
    setProgress({ phase: 'uploading', ratio: 0 });
    setImporting(!dryRun);
    const query = new URLSearchParams({ municipality: municipalityId, mode, dryRun: String(dryRun) });
    upload(`/api/v1${TARGETS[target].path}?${query}`, file, setProgress).then(
      (r) => {
        setReport(r);
        setProblems(r.problems);
        setMessage(
          r.problems.length
            ? `${r.problems.length} problem hittades – inget har ändrats.`
            : dryRun
              ? `Filen är i ordning. Om du importerar den blir det ${counts(r)}.`
              : `Importen är klar: ${counts(r)}.`,
        );
        setProgress(undefined);
        if (!dryRun) onImported();
      },
      (e: unknown) => {
        // A real run with problems is refused with the same line-by-line list as the check.
        const lines =
          e instanceof ApiError && Array.isArray(e.details)
            ? e.details.filter((d): d is Problem => typeof d === 'object' && d !== null && 'line' in d)
            : [];
        setProblems(lines);
        setProgress(undefined);
        setMessage(lines.length ? `${lines.length} problem hittades – inget har ändrats.` : swedishError(e));
      },
    );
  };
  const busy = progress !== undefined;

  return (
    <section aria-labelledby="import-heading">
      <h2 id="import-heading">Importera CSV</h2>
      <form class="grid-form" onSubmit={(e) => e.preventDefault()} aria-label="CSV-import">
        <label for="import-target">Vad</label>
        <select
          id="import-target"
          value={target}
          onChange={(e) => choose(setTarget)(e.currentTarget.value as keyof typeof TARGETS)}
        >
          {Object.entries(TARGETS).map(([value, { text }]) => (
            <option value={value}>{text}</option>
          ))}
        </select>
        <label for="import-mode">Läge</label>
        <select
          id="import-mode"
          value={mode}
          onChange={(e) => choose(setMode)(e.currentTarget.value as 'upsert' | 'replace')}
        >
          <option value="upsert">Lägg till och ändra</option>
          <option value="replace">Ersätt allt (tar bort det som saknas i filen)</option>
        </select>
        <label for="import-file">Fil (CSV, UTF-8)</label>
        <input
          id="import-file"
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => choose(setFile)(e.currentTarget.files?.[0])}
        />
        <div class="buttons">
          <button type="button" disabled={!file || busy} onClick={() => run(true)}>
            Kontrollera
          </button>
          <button
            type="button"
            disabled={!file || busy || !report?.dryRun || report.problems.length > 0}
            onClick={() => run(false)}
          >
            Importera
          </button>
        </div>
      </form>
      {busy && (
        <p>
          <label for="import-progress">
            {progress.phase === 'uploading'
              ? 'Skickar filen'
              : importing
                ? 'Växeln kontrollerar och sparar raderna'
                : 'Växeln kontrollerar raderna'}
          </label>{' '}
          {/* Without a value the bar is indeterminate (the server's work has no measure); aria-valuetext says the phase in words. */}
          <progress
            id="import-progress"
            max={1}
            value={progress.phase === 'uploading' ? progress.ratio : undefined}
            aria-valuetext={
              progress.phase === 'uploading' ? `${Math.round(progress.ratio * 100)} % skickat` : 'Väntar på växeln'
            }
          />
        </p>
      )}
      <p role="status" aria-live="polite">
        {message}
      </p>
      {problems.length > 0 && (
        <table class="problems">
          <caption>Problem per rad</caption>
          <thead>
            <tr>
              <th scope="col">Rad</th>
              <th scope="col">Kolumn</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {problems.map((p) => (
              <tr>
                <td>{p.line}</td>
                <td>{p.column}</td>
                <td>{swedishProblem(p.problem)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
