import { useEffect, useState } from 'preact/hooks';
import type { DirectoryEntryView } from '../../http/routes/directory.js';
import { ApiError, api, get, post, remove, token } from '../api.js';
import { AbsenceForm } from '../admin/directory-entries.js';
import { Field, FormFrame, useObjectForm } from '../admin/object-form.js';
import { inSwedish, swedishError } from '../admin/problems.js';
import { absenceText } from '../labels.js';
import { Notice, useAction } from '../use-action.js';

interface Me {
  entry: DirectoryEntryView;
  expiresAt: string;
}

/**
 * The personal page (#/mig): a member of staff signs in with their extension and its PIN and
 * sets or clears their own hänvisning, nothing else. The session is the tab's token, like the
 * console's, but one the API lets touch only that person's entry (self-service/).
 */
export function PersonalPage() {
  const [me, setMe] = useState<Me>();
  const [checked, setChecked] = useState(false);
  const reload = () =>
    get<Me>('/self').then(setMe, (error: unknown) => {
      // A staff token left in the tab, or a session that has run out: sign in here.
      if (error instanceof ApiError && [401, 403].includes(error.status)) setMe(undefined);
    });
  useEffect(() => {
    void (token.get() ? reload() : Promise.resolve()).finally(() => setChecked(true));
  }, []);

  if (!checked) return null;
  if (!me) return <PinSignIn onSignedIn={reload} />;
  return (
    <OwnAbsence
      me={me}
      reload={reload}
      onSignedOut={() => {
        token.clear();
        setMe(undefined);
      }}
    />
  );
}

function PinSignIn({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [extension, setExtension] = useState('');
  const [pin, setPin] = useState('');
  const [error, setError] = useState('');

  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const session = await post<{ token: string }>('/self/sign-in', { extension: extension.trim(), pin });
      token.set(session.token);
      await onSignedIn();
    } catch (e) {
      setPin('');
      setError(
        e instanceof ApiError && e.status === 401
          ? 'Fel anknytning eller PIN-kod.'
          : e instanceof ApiError && e.status === 429
            ? 'För många felaktiga försök med den anknytningen. Vänta en kvart och försök igen, eller be växeln sätta hänvisningen.'
            : swedishError(e),
      );
    }
  };

  return (
    <main class="sign-in" id="innehall">
      <h1>Min hänvisning</h1>
      <p class="hint">Logga in med ditt anknytningsnummer och din PIN-kod (du får den av IT).</p>
      <form onSubmit={submit}>
        <label for="self-extension">Anknytning</label>
        <input
          id="self-extension"
          inputMode="numeric"
          autocomplete="username"
          required
          value={extension}
          onInput={(e) => setExtension(e.currentTarget.value)}
          aria-describedby={error ? 'self-error' : undefined}
        />
        <label for="self-pin">PIN-kod</label>
        <input
          id="self-pin"
          type="password"
          inputMode="numeric"
          autocomplete="current-password"
          required
          value={pin}
          onInput={(e) => setPin(e.currentTarget.value)}
          aria-describedby={error ? 'self-error' : undefined}
        />
        <button type="submit">Logga in</button>
        <p id="self-error" class="error" role="alert">
          {error}
        </p>
      </form>
    </main>
  );
}

function OwnAbsence({ me, reload, onSignedOut }: { me: Me; reload: () => Promise<void>; onSignedOut: () => void }) {
  const { notice, setNotice, act } = useAction(() => void reload());
  const current = absenceText(me.entry.absence);
  const signOut = () => void remove('/self/session').finally(onSignedOut);
  return (
    <>
      <header class="top">
        <span class="brand">Regionväxeln</span>
        <button type="button" onClick={signOut}>
          Logga ut
        </button>
      </header>
      <main id="innehall" tabIndex={-1}>
        <h1>Min hänvisning – {me.entry.name}</h1>
        <p id="self-current">{current ? `Nu: ${current}` : 'Ingen hänvisning: du visas som tillgänglig för växeln.'}</p>
        <Notice text={notice} />
        <AbsenceForm
          key={`${me.entry.version}`}
          entry={me.entry}
          path="/self/absence"
          onSaved={() => {
            setNotice('Hänvisningen är sparad.');
            void reload();
          }}
        />
        {me.entry.absence && (
          <button
            type="button"
            class="secondary"
            onClick={() => act(() => inSwedish(remove('/self/absence')), 'Hänvisningen är borttagen.')}
          >
            Ta bort hänvisningen
          </button>
        )}
        <PinChange onChanged={() => setNotice('PIN-koden är bytt. Använd den nya nästa gång du loggar in.')} />
      </main>
    </>
  );
}

/**
 * Changing one's own PIN (PUT /self/pin): the current one, the new one twice (typed blind, so a
 * slip is caught here before the API is asked). The API's refusals show at their fields in Swedish.
 */
function PinChange({ onChanged }: { onChanged: () => void }) {
  const form = useObjectForm({
    id: 'pin',
    noun: 'PIN-koden',
    blank: { currentPin: '', newPin: '', repeatPin: '' },
    save: async (v) => {
      if (v.newPin !== v.repeatPin)
        throw new ApiError(400, 'invalid_request', 'repeatPin: does not match the new PIN', [
          { field: 'body.repeatPin', problem: 'does not match the new PIN' },
        ]);
      await api('PUT', '/self/pin', { currentPin: v.currentPin, newPin: v.newPin });
    },
    onSaved: onChanged,
  });
  return (
    <FormFrame form={form} title="Byt PIN-kod" submitText="Byt PIN-kod">
      <Field form={form} name="currentPin" label="Nuvarande PIN-kod" type="password" autocomplete="current-password" />
      <Field
        form={form}
        name="newPin"
        label="Ny PIN-kod"
        type="password"
        autocomplete="new-password"
        hint="4–12 siffror, inte samma siffra överallt och inte en följd som 1234."
      />
      <Field form={form} name="repeatPin" label="Ny PIN-kod igen" type="password" autocomplete="new-password" />
    </FormFrame>
  );
}
