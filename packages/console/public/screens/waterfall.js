// A trace as a waterfall: one row per span, indented under its parent, its bar placed on the trace's time line.
import { html } from '../ui.js';

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#db2777', '#65a30d', '#4b5563', '#7c3aed'];

/** Each span's row: depth under its parent, and its start and length as shares of the whole trace. */
export function rows(spans) {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const depth = (s, seen = 0) => (s.parentSpanId && byId.has(s.parentSpanId) && seen < 50 ? 1 + depth(byId.get(s.parentSpanId), seen + 1) : 0);
  const start = Math.min(...spans.map((s) => s.startMs));
  const end = Math.max(...spans.map((s) => s.startMs + s.durationMs));
  const total = Math.max(end - start, 0.001);
  return [...spans]
    .sort((a, b) => a.startMs - b.startMs)
    .map((s) => ({ span: s, depth: depth(s), left: (s.startMs - start) / total, width: Math.max(s.durationMs / total, 0.002), offsetMs: s.startMs - start }));
}

export function Waterfall({ trace }) {
  const services = [...new Set(trace.spans.map((s) => s.service))];
  const colour = (service) => PALETTE[services.indexOf(service) % PALETTE.length];
  const laid = rows(trace.spans);
  return html`
    <div class="waterfall" data-trace=${trace.traceId} data-services=${services.join(',')}>
      <p class="legend">${services.map((s) => html`<span class="service" data-service=${s}><i style=${`background:${colour(s)}`}></i>${s}</span>`)}</p>
      ${laid.map(
        (r) => html`<div class=${`span${r.span.error ? ' error' : ''}`} title=${`${r.span.name}\n${r.span.service} · ${r.span.kind} · ${r.span.durationMs.toFixed(1)} ms${r.span.error ? `\n${r.span.error}` : ''}`}>
          <span class="name" style=${`padding-left:${r.depth * 12}px`}>${r.span.service} · ${r.span.name}</span>
          <span class="lane"><span class="bar" style=${`left:${(r.left * 100).toFixed(2)}%;width:${(r.width * 100).toFixed(2)}%;background:${colour(r.span.service)}`}></span></span>
          <span class="ms">+${r.offsetMs.toFixed(1)} · ${r.span.durationMs.toFixed(1)} ms</span>
        </div>`,
      )}
    </div>`;
}
