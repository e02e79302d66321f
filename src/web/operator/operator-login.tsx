import { useState } from 'preact/hooks';
import type { MunicipalityView } from '../../http/routes/municipalities.js';
import { BROWSER_PHONE } from '../../operators/browser-phone.js';
import { ApiError, problemText } from '../api.js';

export type LoginBody = { phone?: string; municipalities?: { id: string; weight: number }[] };

/** The API's range of weights (MIN_WEIGHT, MAX_WEIGHT in operators/operator-store.ts), for the browser's own check; the API checks again. */
const WEIGHT = { min: 0.1, max: 10, step: 0.1 };

/**
 * Login to the switchboard: with the defaults of the operator account linked to the token (an
 * operator may not read accounts, so the API fills them in from an empty body), or by hand: the
 * phone to ring and the municipalities served, each with its weight. Left empty by hand, phone or
 * municipalities still come from the account.
 */
export function OperatorLogin({
  municipalities,
  onLogin,
}: {
  municipalities: MunicipalityView[];
  onLogin: (body: LoginBody) => Promise<void>;
}) {
  const [phone, setPhone] = useState('');
  const [inBrowser, setInBrowser] = useState(false);
  /** The municipalities chosen, each with its weight as typed. */
  const [weights, setWeights] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();

  const login = (body: LoginBody, problem = problemText) =>
    void onLogin(body).catch((e: unknown) => setError(problem(e)));
  // Without an account, or with one that lacks a phone or municipalities, the API names the missing fields.
  const withDefaults = () =>
    login({}, (e) =>
      e instanceof ApiError && e.status === 400
        ? 'Ditt telefonistkonto saknas eller har inte telefon och kommuner. Välj själv nedan.'
        : problemText(e),
    );
  const submit = (event: Event) => {
    event.preventDefault();
    const served = municipalities
      .filter((m) => m.id in weights)
      .map((m) => ({ id: m.id, weight: Number(weights[m.id]) }));
    const chosen = inBrowser ? BROWSER_PHONE : phone.trim();
    login({ ...(chosen ? { phone: chosen } : {}), ...(served.length ? { municipalities: served } : {}) });
  };
  const choose = (id: string, on: boolean) =>
    setWeights(({ [id]: _, ...others }) => (on ? { ...others, [id]: '1' } : others));

  return (
    <section aria-labelledby="login-heading" class="panel">
      <h1 id="login-heading">Logga in i växeln</h1>
      {/* Not "Logga in …": that is the form's button, and one name should mean one button. */}
      <button type="button" onClick={withDefaults} aria-describedby="defaults-hint">
        Använd mina standardval
      </button>
      <p id="defaults-hint" class="hint">
        Loggar in med telefonen och kommunerna (med vikter) i ditt telefonistkonto.
      </p>
      <form onSubmit={submit} aria-labelledby="by-hand-heading">
        <h2 id="by-hand-heading">Eller välj själv</h2>
        <label for="phone">Telefonens SIP-adress</label>
        <input
          id="phone"
          value={phone}
          disabled={inBrowser}
          onInput={(e) => setPhone(e.currentTarget.value)}
          placeholder="sip:anna@10.1.2.3:5060"
          aria-describedby="phone-hint"
        />
        <label class="check">
          <input
            type="checkbox"
            checked={inBrowser}
            onChange={(e) => setInBrowser(e.currentTarget.checked)}
            aria-describedby="browser-hint"
          />{' '}
          Den här webbläsaren
        </label>
        <p id="phone-hint" class="hint">
          En SIP-adress med telefonens IP-adress på telefonistnätet, eller din anknytning (t.ex. 2403100) om telefonen
          är registrerad. Tomt: telefonen i ditt telefonistkonto.
        </p>
        <p id="browser-hint" class="hint">
          Samtalen kommer i webbläsaren, i ditt headset: webbläsaren frågar om mikrofonen.
        </p>
        <fieldset>
          <legend>Kommuner du svarar för (inga valda: kontots)</legend>
          {/* A table, so that each weight field is announced with its municipality (the row header). */}
          <table class="served">
            <thead>
              <tr>
                <th scope="col">Kommun</th>
                <th scope="col">Vikt</th>
              </tr>
            </thead>
            <tbody>
              {municipalities.map((m) => (
                <tr>
                  <th scope="row">
                    <label class="check">
                      <input
                        type="checkbox"
                        checked={m.id in weights}
                        onChange={(e) => choose(m.id, e.currentTarget.checked)}
                      />{' '}
                      {m.name}
                    </label>
                  </th>
                  <td>
                    <input
                      type="number"
                      aria-label="Vikt"
                      aria-describedby="weight-hint"
                      {...WEIGHT}
                      required
                      disabled={!(m.id in weights)}
                      value={weights[m.id] ?? '1'}
                      onInput={(e) => setWeights((now) => ({ ...now, [m.id]: e.currentTarget.value }))}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p id="weight-hint" class="hint">
            Vikt 0,1–10: med vikt 2 räknas kommunens uppringare som om de väntat dubbelt så länge.
          </p>
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
