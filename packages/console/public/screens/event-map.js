// The live event map: services as nodes, event types as edges from producer to consumer, each edge's rate and each group's lag.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api, session } from '../api.js';
import { html, Problem } from '../ui.js';

const W = 880;
const H = 560;
const R = 220;

/** Snapshots from the platform's server-sent events (fetch, to send the token), until `signal` aborts. */
async function follow(signal, onSnapshot) {
  const res = await fetch('/api/console/event-map', { headers: { accept: 'text/event-stream', authorization: `Bearer ${session.get()?.accessToken}` }, signal });
  // An expired token: asked once through api(), which refreshes it, so the next try streams.
  if (res.status === 401) await api('GET', '/api/console/event-map');
  if (!res.ok) throw new Error(`the event map answered ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value;
    const messages = buffered.split('\n\n');
    buffered = messages.pop();
    for (const m of messages) {
      const data = m.split('\n').find((line) => line.startsWith('data: '));
      if (data) onSnapshot(JSON.parse(data.slice(6)));
    }
  }
}

const place = (nodes) => new Map(nodes.map((n, i) => [n.name, { x: W / 2 + R * Math.cos((2 * Math.PI * i) / nodes.length - Math.PI / 2), y: H / 2 + R * Math.sin((2 * Math.PI * i) / nodes.length - Math.PI / 2) }]));

/** The edges between each pair of services, their types summed: one arrow per pair. */
function pairs(edges) {
  const out = new Map();
  for (const e of edges) {
    const key = `${e.from}→${e.to}`;
    const p = out.get(key) ?? { from: e.from, to: e.to, rate: 0, types: [] };
    p.rate += e.rate;
    p.types.push(e);
    out.set(key, p);
  }
  return [...out.values()];
}

function Graph({ snap }) {
  const at = place(snap.nodes);
  return html`
    <svg viewBox=${`0 0 ${W} ${H}`} class="event-map" role="img" aria-label="Event map">
      <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#64748b" /></marker></defs>
      ${pairs(snap.edges).map((p) => {
        const a = at.get(p.from);
        const b = at.get(p.to);
        if (!a || !b) return null;
        // Bent to the right of the way it goes, so a → b and b → a are two arrows.
        const mx = (a.x + b.x) / 2 + (b.y - a.y) * 0.15;
        const my = (a.y + b.y) / 2 - (b.x - a.x) * 0.15;
        const shorten = (p0, p1) => {
          const d = Math.hypot(p1.x - p0.x, p1.y - p0.y) || 1;
          return { x: p1.x - ((p1.x - p0.x) * 34) / d, y: p1.y - ((p1.y - p0.y) * 34) / d };
        };
        const end = shorten({ x: mx, y: my }, b);
        const busy = p.rate > 0;
        return html`<g class=${`edge${busy ? ' busy' : ''}`}>
          <title>${p.types.map((t) => `${t.type}: ${t.rate}/s (${t.handled} handled)`).join('\n')}</title>
          <path d=${`M ${a.x} ${a.y} Q ${mx} ${my} ${end.x} ${end.y}`} stroke-width=${1 + Math.min(6, Math.log2(1 + p.rate))} marker-end="url(#arrow)" fill="none" />
          ${busy && html`<text x=${(a.x + 2 * mx + b.x) / 4} y=${(a.y + 2 * my + b.y) / 4}>${p.rate.toFixed(1)}/s</text>`}
        </g>`;
      })}
      ${snap.nodes.map((n) => {
        const { x, y } = at.get(n.name);
        return html`<g class=${`node${n.lag ? ' behind' : ''}${n.deadLetters ? ' dead' : ''}`} data-node=${n.name}>
          <circle cx=${x} cy=${y} r="32" />
          <text x=${x} y=${y - 2} class="name">${n.name}</text>
          <text x=${x} y=${y + 13} class="lag">lag ${n.lag}</text>
          ${n.deadLetters > 0 && html`<text x=${x} y=${y + 48} class="dead">${n.deadLetters} dead</text>`}
        </g>`;
      })}
    </svg>`;
}

/** The events handled per second and the lag of every group, the last few minutes, drawn by uPlot. */
function Chart({ history }) {
  const el = useRef();
  const plot = useRef();
  useEffect(() => {
    plot.current = new uPlot(
      {
        width: W,
        height: 180,
        series: [{}, { label: 'events/s', stroke: '#2563eb', width: 2 }, { label: 'lag', stroke: '#dc2626', width: 2, scale: 'lag' }],
        axes: [
          { space: 80, values: (_u, ticks) => ticks.map((t) => new Date(t * 1000).toLocaleTimeString('en-GB', { hour12: false })) },
          { label: 'events/s' },
          { side: 1, scale: 'lag', label: 'lag', grid: { show: false } },
        ],
      },
      [[], [], []],
      el.current,
    );
    return () => plot.current.destroy();
  }, []);
  useEffect(() => plot.current?.setData(history), [history]);
  return html`<div class="chart" ref=${el}></div>`;
}

const KEEP = 300;

export function EventMap() {
  const [snap, setSnap] = useState();
  const [history, setHistory] = useState([[], [], []]);
  const [error, setError] = useState();
  useEffect(() => {
    const stop = new AbortController();
    const onSnapshot = (s) => {
      setSnap(s);
      const rate = s.edges.reduce((n, e) => n + e.rate, 0);
      const lag = s.nodes.reduce((n, x) => n + x.lag, 0);
      setHistory(([t, r, l]) => [[...t, Date.parse(s.at) / 1000].slice(-KEEP), [...r, rate].slice(-KEEP), [...l, lag].slice(-KEEP)]);
    };
    // The stream ends when the platform stops or a proxy cuts it: follow it again.
    const run = () =>
      follow(stop.signal, onSnapshot)
        .then(() => !stop.signal.aborted && setTimeout(run, 1000))
        .catch((e) => !stop.signal.aborted && (setError(e), setTimeout(run, 3000)));
    run();
    return () => stop.abort();
  }, []);
  if (!snap) return html`<h2>Event map</h2><${Problem} error=${error} />`;
  const total = snap.edges.reduce((n, e) => n + e.rate, 0);
  // The flows events went along since the platform started, busiest first; the quiet ones are counted.
  const busiest = snap.edges.filter((e) => e.handled > 0).sort((a, b) => b.rate - a.rate || b.handled - a.handled);
  const quiet = snap.edges.length - busiest.length;
  return html`
    <h2>Event map <small id="total-rate" data-rate=${total.toFixed(2)}>${total.toFixed(1)} events/s</small></h2>
    <${Problem} error=${error} />
    <${Graph} snap=${snap} />
    <${Chart} history=${history} />
    <table class="edges">
      <thead><tr><th>Event</th><th>From</th><th>To</th><th>Rate</th><th>Handled</th></tr></thead>
      <tbody>${busiest.map((e) => html`<tr data-edge=${`${e.type} ${e.from}→${e.to}`}><td>${e.type}</td><td>${e.from}</td><td>${e.to}</td><td class="rate">${e.rate}/s</td><td>${e.handled}</td></tr>`)}</tbody>
    </table>
    ${quiet > 0 && html`<p class="hint">${quiet} more flows have carried no event since the platform started.</p>`}`;
}
