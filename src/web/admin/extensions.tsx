import { useState } from 'preact/hooks';
import type { ExtensionDoc } from '../../admin/extensions.js';
import { get, post, remove } from '../api.js';
import { Notice, useAction } from '../use-action.js';
import { useData } from '../use-data.js';

type Extension = ExtensionDoc & { id: string; version: number; directNumberDisplay?: string };

/** The municipality's extensions (first 500): list, add (with the SIP password, write-only), delete. */
export function Extensions({ municipalityId }: { municipalityId: string }) {
  const list = useData(() => get<{ extensions: Extension[] }>(`/extensions?municipality=${municipalityId}&limit=500`).then((r) => r.extensions));
  const { notice, act } = useAction(list.reload);
  const [form, setForm] = useState({ extension: '', displayName: '', directNumber: '', password: '' });
  const field = (name: keyof typeof form, label: string, type = 'text') => (
    <>
      <label for={`ext-${name}`}>{label}</label>
      <input id={`ext-${name}`} type={type} value={form[name]} autocomplete="off" onInput={(e) => setForm({ ...form, [name]: e.currentTarget.value })} />
    </>
  );
  const add = (event: Event) => {
    event.preventDefault();
    act(() => post('/extensions', { municipalityId, extension: form.extension, displayName: form.displayName, password: form.password, ...(form.directNumber ? { directNumber: form.directNumber } : {}) }), `Anknytning ${form.extension} tillagd`);
  };

  return (
    <section aria-labelledby="extensions-heading">
      <h2 id="extensions-heading">Anknytningar</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Anknytning</th>
            <th scope="col">Namn</th>
            <th scope="col">Direktnummer</th>
            <th scope="col">
              <span class="visually-hidden">Åtgärd</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((x) => (
            <tr>
              <td>{x.extension}</td>
              <td>{x.displayName}</td>
              <td>{x.directNumberDisplay ?? '–'}</td>
              <td>
                <button type="button" onClick={() => act(() => remove(`/extensions/${x.id}`, x.version), `Anknytning ${x.extension} borttagen`)} aria-label={`Ta bort anknytning ${x.extension}`}>
                  Ta bort
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="grid-form" onSubmit={add} aria-label="Ny anknytning">
        {field('extension', 'Anknytning')}
        {field('displayName', 'Namn')}
        {field('directNumber', 'Direktnummer (valfritt)')}
        {field('password', 'SIP-lösenord (12–128 tecken)', 'password')}
        <button type="submit">Lägg till anknytning</button>
      </form>
      <Notice text={list.error ?? notice} />
    </section>
  );
}
