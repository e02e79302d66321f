import { useState } from 'preact/hooks';
import type { MunicipalityView } from '../../http/routes/municipalities.js';
import { problemText } from '../api.js';

/**
 * Login to the switchboard: the phone to ring and the municipalities served. Both may be left
 * empty when the operator account linked to the token has them (the API then fills them in).
 */
export function OperatorLogin({ municipalities, onLogin }: { municipalities: MunicipalityView[]; onLogin: (body: { phone?: string; municipalities?: string[] }) => Promise<void> }) {
  const [phone, setPhone] = useState('');
  const [served, setServed] = useState<string[]>([]);
  const [error, setError] = useState<string>();

  const submit = (event: Event) => {
    event.preventDefault();
    onLogin({ ...(phone.trim() ? { phone: phone.trim() } : {}), ...(served.length ? { municipalities: served } : {}) }).catch((e: unknown) => setError(problemText(e)));
  };
  const toggle = (id: string, on: boolean) => setServed((now) => (on ? [...now, id] : now.filter((m) => m !== id)));

  return (
    <section aria-labelledby="login-heading" class="panel">
      <h1 id="login-heading">Logga in i växeln</h1>
      <form onSubmit={submit}>
        <label for="phone">Telefonens SIP-adress</label>
        <input id="phone" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} placeholder="sip:anna@10.1.2.3:5060" aria-describedby="phone-hint" />
        <p id="phone-hint" class="hint">
          Tomt: telefonen i ditt telefonistkonto.
        </p>
        <fieldset>
          <legend>Kommuner du svarar för (inga valda: kontots)</legend>
          {municipalities.map((m) => (
            <label class="check">
              <input type="checkbox" checked={served.includes(m.id)} onChange={(e) => toggle(m.id, e.currentTarget.checked)} /> {m.name}
            </label>
          ))}
        </fieldset>
        <button type="submit">Logga in</button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
