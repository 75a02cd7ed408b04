// Dead letters: every service's events it failed to handle, with the error, and their replay.
import { api, when } from '../api.js';
import { html, Problem, useAction, useLoad } from '../ui.js';

/** Every service's dead letters (each service lists its own under its admin routes). */
async function everyService() {
  const index = await fetch('/api', { headers: { accept: 'application/json' } }).then((r) => r.json());
  const pages = await Promise.all(index.services.map(async (s) => ({ service: s.name, api: s.api, page: await api('GET', `${s.api}/admin/dead-letters?limit=100`) })));
  return pages.flatMap((p) => p.page.items.map((d) => ({ ...d, service: p.service, api: p.api })));
}

export function DeadLetters() {
  const { data, error, reload } = useLoad(everyService, [], 5000);
  const replay = useAction();
  const onReplay = (d) => replay.act(() => api('POST', `${d.api}/admin/dead-letters/${encodeURIComponent(d.id)}/replay`)).then(reload);
  return html`
    <h2>Dead letters</h2>
    <${Problem} error=${error ?? replay.error} />
    ${data && !data.length && html`<p class="hint" id="no-dead-letters">No dead letter: every service handled every event.</p>`}
    <table class="dead-letters">
      <thead><tr><th>Service</th><th>Event</th><th>Key</th><th>Error</th><th>Attempts</th><th>Failed</th><th></th></tr></thead>
      <tbody>
        ${(data ?? []).map(
          (d) => html`<tr data-dead-letter=${d.id} data-event=${d.eventId}>
            <td>${d.service}</td><td>${d.type}</td><td><code>${d.envelope.key}</code></td><td class="error">${d.error}</td><td>${d.attempts}</td><td>${when(d.failedAt)}</td>
            <td><button disabled=${replay.busy} onClick=${() => onReplay(d)}>Replay</button></td>
          </tr>`,
        )}
      </tbody>
    </table>`;
}
