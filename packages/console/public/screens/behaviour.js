// The behaviour log: the records of a request or event, of an order's traces, or of a customer, each linked to its trace.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { html, Problem, useLoad } from '../ui.js';
import { Waterfall } from './waterfall.js';

const BY = [
  ['orderId', 'order id'],
  ['requestId', 'request id'],
  ['customer', 'customer'],
];

function Trace({ traceId }) {
  const { data, error } = useLoad(() => api('GET', `/api/traces/${traceId}`), [traceId]);
  return data ? html`<${Waterfall} trace=${data} />` : html`<${Problem} error=${error} />`;
}

export function Behaviour({ params }) {
  const given = BY.find(([key]) => params.get(key));
  const [by, value] = given ? [given[0], params.get(given[0])] : ['orderId', ''];
  const [trace, setTrace] = useState();
  const query = value ? `${by}=${encodeURIComponent(value)}` : '';
  // The page says which query its rows answer (data-query): until the new answer comes, the rows are the last query's.
  const found = useLoad(() => api('GET', `/api/console/behaviour?${query ? `${query}&limit=200` : 'limit=50'}`).then((page) => ({ ...page, query })), [query]);
  const search = (e) => {
    e.preventDefault();
    location.hash = `#/behaviour?${e.target.by.value}=${encodeURIComponent(e.target.value.value.trim())}`;
  };
  return html`
    <h2>Behaviour log</h2>
    <form onSubmit=${search} class="inline" aria-label="Find behaviour">
      <select name="by" aria-label="Find by">${BY.map(([key, label]) => html`<option value=${key} selected=${key === by}>${label}</option>`)}</select>
      <input name="value" key=${query} aria-label="Find" defaultValue=${value} placeholder="an order id, a request id or a customer id" size="40" />
      <button>Find</button>
    </form>
    <${Problem} error=${found.error} />
    <table class="behaviour" data-query=${found.data?.query}>
      <thead><tr><th>When</th><th>Service</th><th>Kind</th><th>What</th><th>Status</th><th>ms</th><th>Who</th><th>Request</th><th>Trace</th></tr></thead>
      <tbody>
        ${(found.data?.items ?? []).map(
          (r) => html`<tr data-request=${r.requestId} class=${r.error ? 'failed' : ''} title=${r.error ?? ''}>
            <td>${new Date(r.at).toLocaleTimeString('en-GB', { hour12: false })}</td><td>${r.service}</td><td>${r.kind}</td><td>${r.action}</td><td>${r.status}</td><td>${r.latencyMs}</td>
            <td>${r.principal ?? ''}${r.role ? ` (${r.role})` : ''}</td><td><code>${r.requestId}</code></td>
            <td>${r.traceId && html`<button class="link" data-trace=${r.traceId} onClick=${() => setTrace(r.traceId)}>${r.traceId.slice(0, 8)}</button>`}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${trace && html`<${Trace} key=${trace} traceId=${trace} />`}`;
}
