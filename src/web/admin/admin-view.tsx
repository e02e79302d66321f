import { useState } from 'preact/hooks';
import type { MunicipalityView } from '../../http/routes/municipalities.js';
import { get } from '../api.js';
import { useData } from '../use-data.js';
import { CsvImport } from './csv-import.js';
import { DirectoryEntries } from './directory-entries.js';
import { Extensions } from './extensions.js';
import { OpeningHours } from './opening-hours.js';

/**
 * The municipalities this token may administer: those whose extensions it may read. The API
 * decides (a municipality admin has one, a region admin all), so the page never offers what
 * would be refused.
 */
async function administrable(): Promise<MunicipalityView[]> {
  const { municipalities } = await get<{ municipalities: MunicipalityView[] }>('/municipalities');
  const allowed = await Promise.all(
    municipalities.map((m) =>
      get(`/extensions?municipality=${m.id}&limit=1`).then(
        () => true,
        () => false,
      ),
    ),
  );
  return municipalities.filter((_, i) => allowed[i]);
}

/** IT staff's pages for one municipality: extensions, the directory with hänvisning, opening hours, CSV import. */
export function AdminView() {
  const { data: municipalities, error } = useData(administrable);
  const [chosen, setChosen] = useState<string>();
  // Counts real CSV imports: the lists read afresh after one.
  const [imported, setImported] = useState(0);
  if (!municipalities) return <p role="status">{error ?? 'Läser in…'}</p>;
  if (municipalities.length === 0) return <p>Den här nyckeln får inte administrera någon kommun.</p>;
  const municipality = municipalities.find((m) => m.id === chosen) ?? municipalities[0]!;

  return (
    <div class="admin">
      <h1>Administration – {municipality.name}</h1>
      {municipalities.length > 1 && (
        <p>
          <label for="admin-municipality">Kommun</label>{' '}
          <select id="admin-municipality" value={municipality.id} onChange={(e) => setChosen(e.currentTarget.value)}>
            {municipalities.map((m) => (
              <option value={m.id}>{m.name}</option>
            ))}
          </select>
        </p>
      )}
      {/* Keyed by municipality: each section starts afresh when another is chosen. */}
      <div key={municipality.id}>
        <Extensions municipalityId={municipality.id} imported={imported} />
        <DirectoryEntries municipalityId={municipality.id} imported={imported} />
        <OpeningHours municipalityId={municipality.id} />
        <CsvImport municipalityId={municipality.id} onImported={() => setImported((n) => n + 1)} />
      </div>
    </div>
  );
}
