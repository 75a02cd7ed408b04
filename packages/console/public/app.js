// The console's shell: sign-in with the platform's users, then the screens the user's role may use.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { session, signIn, signOut } from './api.js';
import { html, Problem, useAction } from './ui.js';
import { Health } from './screens/health.js';
import { EventMap } from './screens/event-map.js';
import { Orders } from './screens/orders.js';
import { Stock } from './screens/stock.js';
import { DeadLetters } from './screens/dead-letters.js';
import { Pos } from './screens/pos.js';
import { Returns } from './screens/returns.js';
import { Fulfilment } from './screens/fulfilment.js';
import { Behaviour } from './screens/behaviour.js';

const STAFF = ['clerk', 'store_manager', 'brand_admin'];
/** Each screen and who may use it, as the API's roles allow. */
export const SCREENS = [
  { path: 'health', title: 'Health', roles: ['operator', 'brand_admin'], view: Health },
  { path: 'events', title: 'Event map', roles: ['operator'], view: EventMap },
  { path: 'orders', title: 'Orders', roles: ['operator', ...STAFF, 'customer'], view: Orders },
  { path: 'stock', title: 'Stock', roles: ['operator', ...STAFF], view: Stock },
  { path: 'dead-letters', title: 'Dead letters', roles: ['operator'], view: DeadLetters },
  { path: 'behaviour', title: 'Behaviour log', roles: ['operator', 'brand_admin'], view: Behaviour },
  { path: 'pos', title: 'POS', roles: ['clerk', 'store_manager'], view: Pos },
  { path: 'returns', title: 'Returns', roles: STAFF, view: Returns },
  { path: 'fulfilment', title: 'Fulfilment', roles: ['clerk', 'store_manager'], view: Fulfilment },
];

/** Where each role starts: the till for store staff, health for those who run the platform. */
const HOME = { clerk: 'pos', store_manager: 'pos', brand_admin: 'health', operator: 'health', customer: 'orders' };

const routeOf = () => {
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  return { path, params: new URLSearchParams(query) };
};

function SignIn({ onSignedIn }) {
  const { busy, error, act } = useAction();
  const submit = (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    act(() => signIn(f.get('tenant'), f.get('username'), f.get('password'))).then((s) => s && onSignedIn(s));
  };
  return html`
    <main class="signin">
      <h1>Omnishop console</h1>
      <form onSubmit=${submit} aria-label="Sign in">
        <label>Brand <input name="tenant" defaultValue="demo" required /></label>
        <label>Username <input name="username" autocomplete="username" required autofocus /></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
        <button disabled=${busy}>Sign in</button>
        <${Problem} error=${error} />
      </form>
      <p class="hint">Demo users (printed by <code>npm start</code>): customer, clerk, manager, admin, operator; password <code>demo-&lt;username&gt;-password</code>.</p>
    </main>`;
}

function App() {
  const [user, setUser] = useState(session.get());
  const [route, setRoute] = useState(routeOf());
  useEffect(() => {
    const onHash = () => setRoute(routeOf());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  if (!user) return html`<${SignIn} onSignedIn=${setUser} />`;
  const mine = SCREENS.filter((s) => s.roles.includes(user.role));
  const screen = mine.find((s) => s.path === route.path) ?? mine.find((s) => s.path === HOME[user.role]) ?? mine[0];
  const out = () => signOut().then(() => setUser(undefined));
  return html`
    <header>
      <strong>Omnishop</strong>
      <nav>${mine.map((s) => html`<a href="#/${s.path}" class=${s === screen ? 'active' : ''}>${s.title}</a>`)}</nav>
      <span class="who">${user.username} · ${user.role}${user.store ? ` · ${user.store}` : ''} · ${user.tenant}</span>
      <button class="link" onClick=${out}>Sign out</button>
    </header>
    <main data-screen=${screen.path}><${screen.view} user=${user} params=${route.params} /></main>`;
}

render(html`<${App} />`, document.getElementById('app'));
