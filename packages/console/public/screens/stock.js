// Stock of a SKU at every location, and the ledger of movements behind a location's number.
import { useState } from 'preact/hooks';
import { api, when } from '../api.js';
import { html, Problem, useLoad } from '../ui.js';

const LEDGER_READERS = ['store_manager', 'brand_admin', 'operator'];
const q = encodeURIComponent;

function Ledger({ sku, location }) {
  const { data, error } = useLoad(() => api('GET', `/api/inventory/ledger?sku=${q(sku)}&location=${q(location)}&limit=200`), [sku, location]);
  if (!data) return html`<${Problem} error=${error} />`;
  return html`
    <section aria-label="Ledger" data-location=${location}>
      <h3>Ledger of ${sku} at ${location}</h3>
      <table class="ledger">
        <thead><tr><th>#</th><th>When</th><th>Kind</th><th>Qty</th><th>On hand Δ</th><th>Reserved Δ</th><th>Why</th></tr></thead>
        <tbody>${data.items.map((m) => html`<tr><td>${m.seq}</td><td>${when(m.at)}</td><td>${m.kind}</td><td>${m.qty}</td><td>${m.onHandDelta}</td><td>${m.reservedDelta}</td><td>${m.reference}</td></tr>`)}</tbody>
        <tfoot><tr><td colspan="4">adds up to</td><td>on hand ${data.balance.onHand}</td><td>reserved ${data.balance.reserved}</td><td>available ${data.balance.available}</td></tr></tfoot>
      </table>
      ${data.nextCursor && html`<p class="hint">The first 200 movements; the balance counts them all.</p>`}
    </section>`;
}

export function Stock({ user, params }) {
  const [sku, setSku] = useState(params.get('sku') ?? '');
  const [location, setLocation] = useState();
  const stock = useLoad(() => (sku ? api('GET', `/api/inventory/stock?sku=${q(sku)}`) : Promise.resolve(undefined)), [sku]);
  const find = (e) => {
    e.preventDefault();
    setSku(e.target.sku.value.trim().toUpperCase());
    setLocation(undefined);
  };
  const ledger = LEDGER_READERS.includes(user.role);
  return html`
    <h2>Stock</h2>
    <form onSubmit=${find} class="inline" aria-label="Find stock"><input name="sku" key=${sku} placeholder="SKU" aria-label="SKU" defaultValue=${sku} /><button>Show</button></form>
    <${Problem} error=${stock.error} />
    ${stock.data &&
    html`<table class="stock">
      <thead><tr><th>Location</th><th>On hand</th><th>Reserved</th><th>Available</th></tr></thead>
      <tbody>${stock.data.locations.map(
        (l) => html`<tr data-location=${l.location}><td>${ledger ? html`<button class="link" onClick=${() => setLocation(l.location)}>${l.location}</button>` : l.location}</td><td>${l.onHand}</td><td>${l.reserved}</td><td>${l.available}</td></tr>`,
      )}</tbody>
      <tfoot><tr><td>total</td><td>${stock.data.total.onHand}</td><td>${stock.data.total.reserved}</td><td>${stock.data.total.available}</td></tr></tfoot>
    </table>`}
    ${location && html`<${Ledger} key=${location} sku=${sku} location=${location} />`}`;
}
