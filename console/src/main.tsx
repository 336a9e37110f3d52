// The console: sign in with an API key, then People, Accounts, Definitions, Live, Traffic and
// Dead letters, all read from the public API with that key.
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, checkKey } from './api';
import { forgetSchema } from './common';
import { DefinitionsPage } from './pages/definitions';
import { LivePage } from './pages/live';
import { RecordPage, RecordsPage } from './pages/records';
import { DeadLettersPage, TrafficPage } from './pages/traffic';
import { BASE, interceptLinks, usePath } from './router';
import { clearKey, getKey, setKey } from './session';
import './style.css';

const NAV = [
  ['/people', 'People'],
  ['/accounts', 'Accounts'],
  ['/definitions', 'Definitions'],
  ['/live', 'Live'],
  ['/traffic', 'Traffic'],
  ['/dead-letters', 'Dead letters'],
] as const;

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKeyText] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const value = key.trim();
    if (!value) return setError('Enter an API key.');
    setBusy(true);
    setError('');
    try {
      await checkKey(value);
      setKey(value);
      setKeyText('');
      onSignedIn();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That API key is not valid.' : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin" id="main">
      <form onSubmit={submit} aria-labelledby="signin-h">
        <h1 id="signin-h">activity-cdp console</h1>
        <p>Sign in with an instance's API key. It stays in this browser tab only, until you sign out or close the tab.</p>
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck={false} autoFocus
          value={key} onInput={(e) => setKeyText((e.target as HTMLInputElement).value)} />
        {error ? <p class="error" role="alert">{error}</p> : null}
        <button type="submit" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
        <p class="muted">The key was printed when the server first started (or made with <code>activity-cdp keys create</code>).</p>
      </form>
    </main>
  );
}

function Page({ path }: { path: string }) {
  const [, section, id] = path.split('/');
  switch (section) {
    case 'people':
      return id ? <RecordPage key={id} kind="person" id={id} /> : <RecordsPage kind="person" />;
    case 'accounts':
      return id ? <RecordPage key={id} kind="account" id={id} /> : <RecordsPage kind="account" />;
    case 'definitions':
      return <DefinitionsPage />;
    case 'live':
      return <LivePage />;
    case 'traffic':
      return <TrafficPage />;
    case 'dead-letters':
      return <DeadLettersPage />;
    default:
      return <p>No such page. <a href={`${BASE}/people`}>Go to People</a></p>;
  }
}

function App() {
  const [signedIn, setSignedIn] = useState(getKey() !== null);
  const path = usePath();
  if (!signedIn) return <SignIn onSignedIn={() => { forgetSchema(); setSignedIn(true); }} />;
  const section = '/' + (path.split('/')[1] ?? '');
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href={`${BASE}/people`}>activity-cdp</a>
        <nav aria-label="Sections">
          <ul>
            {NAV.map(([to, label]) => (
              <li key={to}><a href={BASE + to} aria-current={section === to ? 'page' : undefined}>{label}</a></li>
            ))}
          </ul>
        </nav>
        <button type="button" class="signout" onClick={() => { clearKey(); forgetSchema(); setSignedIn(false); }}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page key={section} path={path} />
      </main>
    </>
  );
}

interceptLinks();
if (location.pathname === '/' || location.pathname === BASE || location.pathname === BASE + '/') history.replaceState(null, '', `${BASE}/people`);
render(<App />, document.getElementById('app')!);
