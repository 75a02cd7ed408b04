// Health: every service's database, the bus and the service thread, as /health/ready checks them, every few seconds.
import { html, Problem, useLoad } from '../ui.js';

async function readiness() {
  // 503 (something failing) has the same body, so it is read rather than refused.
  const res = await fetch('/health/ready', { headers: { accept: 'application/json' } });
  return res.json();
}

export function Health() {
  const { data, error } = useLoad(readiness, [], 3000);
  if (!data) return html`<${Problem} error=${error} />`;
  const checks = Object.entries(data.checks);
  return html`
    <h2>Health <span class=${`badge ${data.status}`} data-status=${data.status}>${data.status}</span></h2>
    <table class="health">
      <thead><tr><th>Dependency</th><th>State</th></tr></thead>
      <tbody>
        ${checks.map(([name, state]) => html`<tr data-check=${name}><td>${name}</td><td class=${state === 'ok' ? 'ok' : 'failing'}>${state}</td></tr>`)}
      </tbody>
    </table>
    <p class="hint">Each service's database, the bus, and the service thread; Prometheus figures at <a href="/metrics">/metrics</a>.</p>`;
}
