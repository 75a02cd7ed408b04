// The till: scan or type SKUs, prices and coupon discounts as the promotion service computes them, cash or wallet, a receipt.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, money } from '../api.js';
import { html, Problem, useAction } from '../ui.js';

const FINAL = ['completed', 'rejected', 'cancelled'];

/** Adds one of `sku` to the cart (a scanner types the code and Enter). */
export const scanned = (lines, sku) =>
  lines.some((l) => l.sku === sku) ? lines.map((l) => (l.sku === sku ? { ...l, qty: l.qty + 1 } : l)) : [...lines, { sku, qty: 1 }];

async function settledOrder(id) {
  for (;;) {
    const order = await api('GET', `/api/orders/${id}`);
    if (FINAL.includes(order.status)) return order;
    await new Promise((r) => setTimeout(r, 300));
  }
}

function Receipt({ order, onNext }) {
  return html`
    <section class="receipt" aria-label="Receipt" data-order=${order.id} data-status=${order.status}>
      <h3>Receipt</h3>
      <p>Order <code>${order.id}</code> · ${order.store} · ${order.paymentMethod} · <strong>${order.status}</strong>${order.reason ? ` (${order.reason})` : ''}</p>
      <table>
        <thead><tr><th>SKU</th><th>Qty</th><th>Price</th><th>Discount</th></tr></thead>
        <tbody>${order.lines.map((l) => html`<tr><td>${l.sku}</td><td>${l.qty}</td><td>${money(l.unitPrice * l.qty, order.currency)}</td><td>${l.discount ? `−${money(l.discount, order.currency)}` : ''}</td></tr>`)}</tbody>
      </table>
      <p>Subtotal ${money(order.subtotal, order.currency)}</p>
      <p class="discount">Discount −${money(order.discount, order.currency)}${order.coupons.length ? ` (${order.coupons.map((c) => c.code).join(', ')})` : ''}</p>
      <p class="total">Paid ${money(order.total, order.currency)}</p>
      <button onClick=${onNext}>Next customer</button>
    </section>`;
}

export function Pos({ user }) {
  const [lines, setLines] = useState([]);
  const [coupons, setCoupons] = useState([]);
  const [customerId, setCustomerId] = useState('');
  // What the clerk has typed in the member field, kept as typed: a re-render meanwhile (a price arriving)
  // must not wipe it. It joins the cart, and is priced, once the field is left.
  const [member, setMember] = useState('');
  const [priced, setPriced] = useState();
  const [receipt, setReceipt] = useState();
  const pricing = useAction();
  const paying = useAction();
  const scan = useRef();
  // One key per cart: paying twice for the same cart (a lost answer, a double tap) is one sale.
  const [saleKey, setSaleKey] = useState(crypto.randomUUID());
  const cart = { lines, coupons, ...(customerId ? { customerId } : {}) };

  useEffect(() => {
    if (!lines.length) return setPriced(undefined);
    // Only the answer for the cart as it is now counts: an earlier one arriving late is dropped.
    let current = true;
    pricing.act(() => api('POST', '/api/promotions/price', { body: cart })).then((p) => current && p && setPriced(p));
    return () => {
      current = false;
    };
  }, [JSON.stringify(cart)]);

  const onScan = (e) => {
    e.preventDefault();
    const sku = e.target.sku.value.trim().toUpperCase();
    if (sku) setLines((ls) => scanned(ls, sku));
    e.target.reset();
    setSaleKey(crypto.randomUUID());
  };
  const onCoupon = (e) => {
    e.preventDefault();
    const code = e.target.coupon.value.trim().toUpperCase();
    if (code && !coupons.includes(code)) setCoupons([...coupons, code]);
    e.target.reset();
    setSaleKey(crypto.randomUUID());
  };
  const pay = (paymentMethod) =>
    paying.act(async () => {
      const placed = await api('POST', '/api/orders/sales', { body: { ...cart, paymentMethod }, idempotent: saleKey });
      setReceipt(await settledOrder(placed.id));
    });
  const next = () => {
    setLines([]);
    setCoupons([]);
    setCustomerId('');
    setMember('');
    setReceipt(undefined);
    setSaleKey(crypto.randomUUID());
    setTimeout(() => scan.current?.focus());
  };
  if (receipt) return html`<${Receipt} order=${receipt} onNext=${next} />`;
  const cur = priced?.currency;
  return html`
    <h2>Till · ${user.store}</h2>
    <div class="pos">
      <div>
        <form onSubmit=${onScan} aria-label="Scan a SKU">
          <label>SKU <input name="sku" ref=${scan} placeholder="scan or type a SKU, then Enter" autocomplete="off" autofocus /></label>
        </form>
        <form onSubmit=${onCoupon} aria-label="Add a coupon">
          <label>Coupon <input name="coupon" placeholder="coupon code" autocomplete="off" /></label>
        </form>
        <label>Member <input name="customer" value=${member} onInput=${(e) => setMember(e.target.value)} onChange=${(e) => setCustomerId(e.target.value.trim())} placeholder="customer id (optional)" /></label>
      </div>
      <div class="cart" aria-label="Cart">
        <table>
          <thead><tr><th>SKU</th><th>Qty</th><th>Price</th><th>Discount</th><th>Total</th><th></th></tr></thead>
          <tbody>
            ${(priced?.lines ?? lines).map(
              (l) => html`<tr data-sku=${l.sku}>
                <td>${l.sku}</td><td>${l.qty}</td>
                <td>${l.unitPrice === undefined ? '…' : money(l.unitPrice, cur)}</td>
                <td class="discount">${l.discount ? `−${money(l.discount, cur)}` : ''}</td>
                <td>${l.total === undefined ? '…' : money(l.total, cur)}</td>
                <td><button class="link" onClick=${() => setLines(lines.filter((x) => x.sku !== l.sku))}>remove</button></td>
              </tr>`,
            )}
          </tbody>
        </table>
        ${priced?.coupons.map((c) => html`<p class=${`coupon ${c.applied ? 'applied' : 'refused'}`} data-coupon=${c.code}>${c.code}: ${c.applied ? `−${money(c.discount, cur)}` : 'not applied'} — ${c.reason}</p>`)}
        ${priced && html`<p class="total" data-total=${priced.total}>Total ${money(priced.total, cur)} <small>(subtotal ${money(priced.subtotal, cur)}, discount −${money(priced.discount, cur)})</small></p>`}
        <${Problem} error=${pricing.error ?? paying.error} />
        <div class="pay">
          <button disabled=${!priced || paying.busy} onClick=${() => pay('cash')}>Cash</button>
          <button disabled=${!priced || paying.busy} onClick=${() => pay('wallet')}>Wallet</button>
        </div>
      </div>
    </div>`;
}
