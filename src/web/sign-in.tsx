import { useState } from 'preact/hooks';
import { get, problemText, token } from './api.js';

/** Sign in with an API token (from `vaxel token create` or an admin); kept for this tab only. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();

  const submit = async (event: Event) => {
    event.preventDefault();
    token.set(value.trim());
    try {
      // Any read the four roles may do proves the token.
      await get('/municipalities');
      onSignedIn();
    } catch (e) {
      token.clear();
      setError(problemText(e));
    }
  };

  return (
    <main class="sign-in">
      <h1>Regionväxeln</h1>
      <form onSubmit={submit}>
        <label for="token">API-nyckel</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          required
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
          aria-describedby={error ? 'token-error' : undefined}
        />
        <button type="submit">Logga in</button>
        {error && (
          <p id="token-error" class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
