// Page state and live updates: an initial read of the JSON endpoints, then snapshots
// pushed over Server-Sent Events; the selected trace is re-read when it may have grown.
import { renderGraph } from './graph.js';
import { renderPods, renderSplits, renderTraceList, renderWaterfall } from './panels.js';

const state = { selectedTrace: undefined, traces: [] };
const $ = (id) => document.getElementById(id);

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

async function showTrace(traceId) {
  state.selectedTrace = traceId;
  renderTraceList($('trace-list'), state.traces, state.selectedTrace, showTrace);
  try {
    renderWaterfall($('trace-detail'), traceId, await getJson(`api/traces/${encodeURIComponent(traceId)}`));
  } catch (err) {
    $('trace-detail').textContent = `Cannot load trace ${traceId}: ${err.message}`;
  }
}

const lastRendered = {};

/** Runs a panel's render only when its data changed, so quiet panels keep hover and focus. */
function renderIfChanged(panel, data, draw) {
  const key = JSON.stringify(data ?? null);
  if (lastRendered[panel] === key) return;
  lastRendered[panel] = key;
  draw();
}

function render(snapshot) {
  renderIfChanged('graph', snapshot.graph, () => renderGraph($('graph'), snapshot.graph));
  renderIfChanged('splits', snapshot.splits, () => renderSplits($('splits'), snapshot.splits));
  const previous = state.traces.find((t) => t.traceId === state.selectedTrace);
  state.traces = snapshot.traces;
  renderTraceList($('trace-list'), state.traces, state.selectedTrace, showTrace);
  const current = state.traces.find((t) => t.traceId === state.selectedTrace);
  if (current && previous && current.spanCount !== previous.spanCount) void showTrace(current.traceId);
  renderIfChanged('pods', snapshot.cluster, () => renderPods($('pods'), snapshot.cluster));
  $('updated-at').textContent = `updated ${new Date(snapshot.atMs ?? Date.now()).toLocaleTimeString()}`;
  document.body.dataset.snapshots = String(Number(document.body.dataset.snapshots ?? 0) + 1);
}

function setStatus(state, text) {
  const el = $('live-status');
  el.dataset.state = state;
  el.className = `status status-${state}`;
  el.textContent = text;
}

async function initialLoad() {
  try {
    const [graph, splits, traces, cluster] = await Promise.all(['api/graph', 'api/splits', 'api/traces', 'api/cluster'].map(getJson));
    if (!document.body.dataset.snapshots) render({ graph, splits, traces, cluster, atMs: Date.now() });
  } catch (err) {
    setStatus('error', `cannot read the cluster: ${err.message}`);
  }
}

function connect() {
  const events = new EventSource('api/events');
  events.addEventListener('open', () => setStatus('live', 'live'));
  events.addEventListener('snapshot', (event) => {
    setStatus('live', 'live');
    render(JSON.parse(event.data));
  });
  events.addEventListener('error', () => setStatus('reconnecting', 'reconnecting…'));
}

void initialLoad();
connect();
