import { useEffect, useState } from 'preact/hooks';
import { AdminView } from './admin/admin-view.js';
import { token } from './api.js';
import { OperatorView } from './operator/operator-view.js';
import { PersonalPage } from './personal/personal-page.js';
import { SignIn } from './sign-in.js';
import { Wallboard } from './wallboard.js';

const PAGES = {
  '#/telefonist': { title: 'Telefonist', View: OperatorView },
  '#/tavla': { title: 'Väggtavla', View: Wallboard },
  '#/admin': { title: 'Administration', View: AdminView },
} as const;
type PageKey = keyof typeof PAGES;

const pageOf = (hash: string): PageKey => (hash in PAGES ? (hash as PageKey) : '#/telefonist');

/** Staff's own page (their hänvisning), with a sign-in of its own: not one of the console's pages. */
const PERSONAL = '#/mig';

/** The shell: sign-in, then one of three pages chosen by the URL's hash (so each can be bookmarked). */
export function App() {
  const [signedIn, setSignedIn] = useState(Boolean(token.get()));
  const [page, setPage] = useState(pageOf(location.hash));
  const [personal, setPersonal] = useState(location.hash === PERSONAL);

  useEffect(() => {
    const follow = () => {
      setPage(pageOf(location.hash));
      setPersonal(location.hash === PERSONAL);
    };
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  useEffect(() => {
    document.title = `${personal ? 'Min hänvisning' : PAGES[page].title} – Regionväxeln`;
  }, [page, personal]);

  if (personal) return <PersonalPage />;
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  const { View } = PAGES[page];
  const signOut = () => {
    token.clear();
    setSignedIn(false);
  };
  return (
    <>
      <a class="skip" href="#innehall">
        Hoppa till innehållet
      </a>
      <header class="top">
        <span class="brand">Regionväxeln</span>
        <nav aria-label="Sidor">
          {Object.entries(PAGES).map(([href, { title }]) => (
            <a href={href} aria-current={href === page ? 'page' : undefined}>
              {title}
            </a>
          ))}
        </nav>
        <button type="button" onClick={signOut}>
          Logga ut
        </button>
      </header>
      <main id="innehall" tabIndex={-1}>
        <View />
      </main>
    </>
  );
}
