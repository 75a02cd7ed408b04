// Orders: search and list, one order's lines and history, and its traces as waterfalls across every service they touched.
import { useState } from 'preact/hooks';
import { api, money, when } from '../api.js';
import { html, Problem, useLoad } from '../ui.js';
import { Waterfall } from './waterfall.js';

const STATUSES = ['pending', 'awaiting_payment', 'confirmed', 'completed', 'rejected', 'cancelled', 'returned'];
const TRACERS = ['operator', 'brand_admin'];
/** The trace shown first: the one crossing the most services, the earliest of those (the checkout's). */
export const widestTrace = (items) => [...items].sort((a, b) => b.services.length - a.services.length || a.startMs - b.startMs)[0];
const open = (id) => (location.hash = `#/orders?id=${encodeURIComponent(id)}`);

function Traces({ orderId }) {
  // Asked again every few seconds: an order's later steps (claim, shipping) are traces of their own.
  const list = useLoad(() => api('GET', `/api/traces?orderId=${encodeURIComponent(orderId)}&limit=50`), [orderId], 5000);
  const items = list.data?.items ?? [];
  const widest = widestTrace(items);
  const [picked, setPicked] = useState();
  const traceId = picked ?? widest?.traceId;
  const trace = useLoad(() => (traceId ? api('GET', `/api/traces/${traceId}`) : Promise.resolve(undefined)), [traceId]);
  return html`
    <section aria-label="Traces">
      <h3>Traces</h3>
      <${Problem} error=${list.error ?? trace.error} />
      <ul class="traces">
        ${[...items].reverse().map(
          (t) => html`<li><button class=${`link${t.traceId === traceId ? ' active' : ''}`} data-trace=${t.traceId} onClick=${() => setPicked(t.traceId)}>
            ${when(new Date(t.startMs).toISOString())} · ${t.root} · ${t.services.join(', ')} · ${t.durationMs.toFixed(1)} ms${t.errors ? ` · ${t.errors} errors` : ''}</button></li>`,
        )}
      </ul>
      ${!list.loading && !items.length && html`<p class="hint">No trace of this order is kept in memory any more.</p>`}
      ${trace.data && html`<${Waterfall} trace=${trace.data} />`}
    </section>`;
}

function Order({ id, user }) {
  const { data: o, error } = useLoad(() => api('GET', `/api/orders/${encodeURIComponent(id)}`), [id], 5000);
  if (!o) return html`<${Problem} error=${error} />`;
  return html`
    <article class="order" data-order=${o.id} data-status=${o.status}>
      <h3>Order <code>${o.id}</code> <span class="badge">${o.status}</span></h3>
      <p>${o.channel}${o.store ? ` · ${o.store}` : ''} · customer ${o.customerId} · ${o.paymentMethod} · total ${money(o.total, o.currency)} (discount ${money(o.discount, o.currency)})</p>
      <table>
        <thead><tr><th>SKU</th><th>Qty</th><th>Unit price</th><th>Discount</th><th>Returned</th></tr></thead>
        <tbody>${o.lines.map((l) => html`<tr><td>${l.sku}</td><td>${l.qty}</td><td>${money(l.unitPrice, o.currency)}</td><td>${money(l.discount, o.currency)}</td><td>${l.returnedQty}</td></tr>`)}</tbody>
      </table>
      <h4>History</h4>
      <ol class="history">${o.history.map((h) => html`<li>${when(h.at)} <strong>${h.status}</strong>${h.reason ? ` — ${h.reason}` : ''}</li>`)}</ol>
      ${o.returns.length > 0 && html`<h4>Returns</h4><ul>${o.returns.map((r) => html`<li>${when(r.at)} at ${r.location}: ${r.lines.map((l) => `${l.qty} × ${l.sku}`).join(', ')}, refunded ${money(r.amount, o.currency)} (${r.reason})</li>`)}</ul>`}
      ${TRACERS.includes(user.role) && html`<p><a href=${`#/behaviour?orderId=${encodeURIComponent(o.id)}`}>Its behaviour log</a></p><${Traces} orderId=${o.id} />`}
    </article>`;
}

export function Orders({ user, params }) {
  const id = params.get('id');
  const [status, setStatus] = useState('');
  const list = useLoad(() => api('GET', `/api/orders?limit=50${status ? `&status=${status}` : ''}`), [status], 5000);
  const search = (e) => {
    e.preventDefault();
    const wanted = e.target.id.value.trim();
    if (wanted) open(wanted);
  };
  return html`
    <h2>Orders</h2>
    <form onSubmit=${search} class="inline" aria-label="Find an order">
      <input name="id" key=${id} placeholder="order id" aria-label="Order id" defaultValue=${id ?? ''} />
      <button>Open</button>
      <select aria-label="Status" value=${status} onChange=${(e) => setStatus(e.target.value)}>
        <option value="">every status</option>
        ${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
      </select>
    </form>
    ${id && html`<${Order} key=${id} id=${id} user=${user} />`}
    <${Problem} error=${list.error} />
    <table class="orders">
      <thead><tr><th>Order</th><th>Status</th><th>Channel</th><th>Customer</th><th>Total</th><th>Updated</th></tr></thead>
      <tbody>
        ${(list.data?.items ?? []).map(
          (o) => html`<tr data-order=${o.id}><td><a href=${`#/orders?id=${encodeURIComponent(o.id)}`}>${o.id}</a></td><td>${o.status}</td><td>${o.channel}${o.store ? ` · ${o.store}` : ''}</td><td>${o.customerId}</td><td>${money(o.total, o.currency)}</td><td>${when(o.updatedAt)}</td></tr>`,
        )}
      </tbody>
    </table>`;
}
