// Returns at the counter: find a completed order, pick what came back, refund its share.
import { useState } from 'preact/hooks';
import { api, money } from '../api.js';
import { html, Problem, useAction } from '../ui.js';

export function Returns({ user }) {
  const [order, setOrder] = useState();
  const [qty, setQty] = useState({});
  const find = useAction();
  const give = useAction();
  const [key, setKey] = useState(crypto.randomUUID());
  const lookUp = (e) => {
    e.preventDefault();
    const id = e.target.id.value.trim();
    find.act(() => api('GET', `/api/orders/${encodeURIComponent(id)}`)).then((o) => o && (setOrder(o), setQty({}), setKey(crypto.randomUUID())));
  };
  const submit = (e) => {
    e.preventDefault();
    const lines = Object.entries(qty).filter(([, n]) => n > 0).map(([sku, n]) => ({ sku, qty: n }));
    const body = { lines, reason: e.target.reason.value, ...(user.role === 'brand_admin' ? { location: e.target.location.value } : {}) };
    give.act(() => api('POST', `/api/orders/${order.id}/returns`, { body, idempotent: key })).then((o) => o && (setOrder(o), setQty({}), setKey(crypto.randomUUID())));
  };
  const last = order?.returns.at(-1);
  return html`
    <h2>Returns${user.store ? ` · ${user.store}` : ''}</h2>
    <form onSubmit=${lookUp} class="inline" aria-label="Find the order"><input name="id" placeholder="order id (on the receipt)" aria-label="Order id" /><button>Find</button></form>
    <${Problem} error=${find.error} />
    ${order &&
    html`<form onSubmit=${submit} aria-label="Return" data-order=${order.id} data-status=${order.status}>
      <p>Order <code>${order.id}</code> · ${order.status} · paid ${money(order.total, order.currency)}</p>
      <table>
        <thead><tr><th>SKU</th><th>Bought</th><th>Returned</th><th>Coming back</th></tr></thead>
        <tbody>${order.lines.map(
          (l) => html`<tr><td>${l.sku}</td><td>${l.qty}</td><td>${l.returnedQty}</td>
            <td><input type="number" min="0" max=${l.qty - l.returnedQty} value=${qty[l.sku] ?? 0} aria-label=${`Return ${l.sku}`} onInput=${(e) => setQty({ ...qty, [l.sku]: Number(e.target.value) })} /></td></tr>`,
        )}</tbody>
      </table>
      <label>Reason <input name="reason" required defaultValue="does not fit" /></label>
      ${user.role === 'brand_admin' && html`<label>Location <input name="location" required placeholder="store or warehouse code" /></label>`}
      <button disabled=${give.busy}>Take back and refund</button>
      <${Problem} error=${give.error} />
      ${last && html`<p class="refund" data-amount=${last.amount}>Refunded ${money(last.amount, order.currency)} for ${last.lines.map((l) => `${l.qty} × ${l.sku}`).join(', ')}</p>`}
    </form>`}`;
}
