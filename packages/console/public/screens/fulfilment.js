// The store's fulfilment board: online orders offered to this store, claim, book a courier and ship, or ready for pickup.
import { useState } from 'preact/hooks';
import { api, when } from '../api.js';
import { html, Problem, useAction, useLoad } from '../ui.js';

const KEY = 'omnishop.console.claimed';
const claimedHere = () => JSON.parse(sessionStorage.getItem(KEY) ?? '[]');
const remember = (ids) => sessionStorage.setItem(KEY, JSON.stringify(ids));
const DONE = ['shipped', 'collected', 'received', 'cancelled'];

function Claimed({ id, onGone }) {
  const { data: f, error, reload } = useLoad(() => api('GET', `/api/fulfilment/orders/${id}`), [id]);
  const action = useAction();
  const step = (path, body) => action.act(() => api('POST', `/api/fulfilment/orders/${id}/${path}`, body ? { body } : {})).then((r) => r && reload());
  const book = (e) => {
    e.preventDefault();
    step('book', { carrier: e.target.carrier.value, tracking: e.target.tracking.value });
  };
  if (!f) return html`<li><${Problem} error=${error} /></li>`;
  return html`
    <li class="card" data-order=${id} data-status=${f.status}>
      <p><code>${id}</code> <strong class="status">${f.status}</strong>${f.carrier ? ` · ${f.carrier} ${f.tracking}` : ''}</p>
      ${f.status === 'claimed' &&
      html`<form onSubmit=${book} aria-label="Book a courier" class="inline">
          <input name="carrier" defaultValue="SF" aria-label="Carrier" required />
          <input name="tracking" defaultValue=${`SF${Date.now()}`} aria-label="Tracking number" required />
          <button disabled=${action.busy}>Book courier</button>
        </form>
        <button disabled=${action.busy} onClick=${() => step('ready')}>Ready for pickup</button>`}
      ${f.status === 'booked' && html`<button disabled=${action.busy} onClick=${() => step('ship')}>Ship</button>`}
      ${f.status === 'ready' && html`<button disabled=${action.busy} onClick=${() => step('collected')}>Collected</button>`}
      ${DONE.includes(f.status) && html`<button class="link" onClick=${onGone}>clear</button>`}
      <${Problem} error=${action.error} />
    </li>`;
}

export function Fulfilment({ user }) {
  const offers = useLoad(() => api('GET', '/api/fulfilment/offers'), [], 3000);
  const [claimed, setClaimed] = useState(claimedHere());
  const claim = useAction();
  const keep = (ids) => (remember(ids), setClaimed(ids));
  const onClaim = (orderId) =>
    claim.act(() => api('POST', `/api/fulfilment/orders/${orderId}/claim`)).then((r) => {
      if (!r) return;
      keep([orderId, ...claimed.filter((id) => id !== orderId)]);
      offers.reload();
    });
  const items = offers.data?.items ?? [];
  return html`
    <h2>Fulfilment · ${user.store}</h2>
    <div class="board">
      <section aria-label="Offered">
        <h3>Offered to this store (${items.length})</h3>
        <${Problem} error=${offers.error ?? claim.error} />
        <ul>
          ${items.map(
            (o) => html`<li class="card" data-offer=${o.orderId}>
              <p><code>${o.orderId}</code> · offered ${when(o.offeredAt)}${o.round > 1 ? ` · round ${o.round}` : ''}</p>
              <button disabled=${claim.busy} onClick=${() => onClaim(o.orderId)}>Claim</button>
            </li>`,
          )}
        </ul>
        ${!items.length && html`<p class="hint">No order waiting; paid online orders offered to ${user.store} appear here.</p>`}
      </section>
      <section aria-label="Claimed">
        <h3>Claimed here</h3>
        <ul>${claimed.map((id) => html`<${Claimed} key=${id} id=${id} onGone=${() => keep(claimed.filter((x) => x !== id))} />`)}</ul>
      </section>
    </div>`;
}
