// Traffic splits, the trace list and waterfall, and pods grouped by node.
import { formatMs, formatPercent, h, replaceChildren } from './dom.js';

function bar(kind, fraction, label) {
  const pct = Math.max(0, Math.min(100, fraction * 100));
  return h('div', { class: `bar bar-${kind}` },
    h('div', { class: 'bar-fill', style: `width:${pct.toFixed(1)}%` }),
    h('span', { class: 'bar-text', text: label }));
}

export function renderSplits(container, splits) {
  if (!splits || splits.length === 0) {
    replaceChildren(container, h('p', { class: 'empty', text: 'No weighted routes.' }));
    return;
  }
  const cards = splits.map((split) => {
    const observedTotal = split.subsets.reduce((sum, s) => sum + s.observed, 0);
    const weightTotal = split.subsets.reduce((sum, s) => sum + s.weight, 0) || 100;
    const rows = split.subsets.map((s) => {
      const observed = observedTotal > 0 ? s.observed / observedTotal : 0;
      const name = s.version && s.version !== s.subset ? `${s.subset} (${s.version})` : s.subset;
      return h('div', { class: 'split-row', 'data-subset': s.subset, 'data-weight': s.weight, 'data-observed': s.observed },
        h('div', { class: 'split-name', text: name }),
        h('div', { class: 'split-bars' },
          bar('configured', s.weight / weightTotal, `${s.weight}% configured`),
          bar('observed', observed, `${formatPercent(observed)} observed (${s.observed})`)));
    });
    const id = `${split.namespace}/${split.virtualService}/${split.route}`;
    return h('div', { class: 'split', 'data-split': id },
      h('h3', {}, h('span', { text: split.virtualService }), h('span', { class: 'muted', text: ` → ${split.host} · ${split.route} · ${split.namespace}` })),
      h('p', { class: 'muted small', text: `${observedTotal} requests observed` }),
      rows);
  });
  replaceChildren(container, cards);
}

function traceRow(trace, onSelect) {
  return h('tr', {
    class: 'trace-row',
    'data-trace-id': trace.traceId,
    tabindex: 0,
    onclick: () => onSelect(trace.traceId),
    onkeydown: (event) => { if (event.key === 'Enter') onSelect(trace.traceId); },
  },
  h('td', { class: 'trace-name' }),
  h('td', { class: 'muted services' }),
  h('td', { class: 'num' }),
  h('td', { class: 'num' }),
  h('td', { class: 'muted num' }));
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** Keyed by trace id: rows are reused, so a row being clicked is never swapped out under the pointer. */
export function renderTraceList(container, traces, selectedId, onSelect) {
  if (!traces || traces.length === 0) {
    replaceChildren(container, h('p', { class: 'empty', text: 'No traces yet.' }));
    return;
  }
  let tbody = container.querySelector('tbody');
  if (!tbody) {
    tbody = h('tbody', {});
    replaceChildren(container, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['root span', 'services', 'spans', 'duration', 'time'].map((t) => h('th', { text: t })))),
      tbody));
  }
  const existing = new Map([...tbody.children].map((row) => [row.dataset.traceId, row]));
  const rows = traces.map((trace) => {
    const row = existing.get(trace.traceId) ?? traceRow(trace, onSelect);
    row.className = `trace-row${trace.traceId === selectedId ? ' selected' : ''}${trace.error ? ' error' : ''}`;
    const [name, services, spans, duration, time] = row.children;
    setText(name, trace.rootName);
    name.title = trace.rootName;
    setText(services, trace.services.join(', '));
    services.title = trace.services.join(', ');
    setText(spans, String(trace.spanCount));
    setText(duration, formatMs(trace.durationMs));
    setText(time, new Date(trace.startMs).toLocaleTimeString());
    return row;
  });
  const same = rows.length === tbody.children.length && rows.every((row, i) => tbody.children[i] === row);
  if (!same) tbody.replaceChildren(...rows);
}

function spanDepths(spans) {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const depth = new Map();
  const depthOf = (span, guard = 0) => {
    if (depth.has(span.spanId)) return depth.get(span.spanId);
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    const d = parent && guard < spans.length ? depthOf(parent, guard + 1) + 1 : 0;
    depth.set(span.spanId, d);
    return d;
  };
  spans.forEach((s) => depthOf(s));
  return depth;
}

/** Parents before children, siblings by start time. */
function treeOrder(spans) {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map();
  for (const s of spans) {
    const parent = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : '';
    (children.get(parent) ?? children.set(parent, []).get(parent)).push(s);
  }
  const out = [];
  const visit = (parentId) => {
    for (const s of (children.get(parentId) ?? []).sort((a, b) => a.startMs - b.startMs)) {
      out.push(s);
      visit(s.spanId);
    }
  };
  visit('');
  return out;
}

export function renderWaterfall(container, traceId, spans) {
  if (!spans || spans.length === 0) {
    replaceChildren(container, h('p', { class: 'empty', text: `Trace ${traceId} has no spans.` }));
    return;
  }
  const start = Math.min(...spans.map((s) => s.startMs));
  const end = Math.max(...spans.map((s) => s.startMs + s.durationMs));
  const total = Math.max(end - start, 0.001);
  const depth = spanDepths(spans);
  const rows = treeOrder(spans).flatMap((span) => {
    const left = ((span.startMs - start) / total) * 100;
    const width = Math.max((span.durationMs / total) * 100, 0.4);
    const attributes = Object.entries(span.attributes ?? {}).sort(([a], [b]) => a.localeCompare(b));
    const details = h('div', { class: 'span-attributes', hidden: true, 'data-attributes-for': span.spanId },
      h('table', { class: 'attributes' }, [
        ['span id', span.spanId], ['parent', span.parentSpanId ?? '—'], ['service', span.service], ['kind', span.kind], ['status', span.status],
        ...attributes,
      ].map(([k, v]) => h('tr', {}, h('th', { text: k }), h('td', { text: String(v) })))));
    const row = h('div', {
      class: `span-row status-${span.status}`,
      'data-span-id': span.spanId,
      tabindex: 0,
      title: 'click for attributes',
      onclick: () => { details.hidden = !details.hidden; },
      onkeydown: (event) => { if (event.key === 'Enter') details.hidden = !details.hidden; },
    },
    h('div', { class: 'span-label', style: `padding-left:${(depth.get(span.spanId) ?? 0) * 14}px` },
      h('span', { class: 'span-name', text: span.name }),
      h('span', { class: 'span-service muted', text: ` ${span.service} · ${span.kind}` })),
    h('div', { class: 'span-track' },
      h('div', { class: 'span-bar', style: `left:${left.toFixed(2)}%;width:${width.toFixed(2)}%` })),
    h('span', { class: 'span-duration', text: formatMs(span.durationMs) }));
    return [row, details];
  });
  replaceChildren(container,
    h('h3', {}, h('span', { text: 'Trace ' }), h('code', { class: 'trace-id', text: traceId }),
      h('span', { class: 'muted', text: ` · ${spans.length} spans · ${formatMs(total)}` })),
    h('div', { class: 'waterfall' }, rows));
}

export function renderPods(container, cluster) {
  const nodes = [...(cluster?.nodes ?? [])];
  const pods = cluster?.pods ?? [];
  const known = new Set(nodes.map((n) => n.name));
  if (pods.some((p) => !known.has(p.node))) nodes.push({ name: '', ready: false, unscheduled: true });
  if (nodes.length === 0) {
    replaceChildren(container, h('p', { class: 'empty', text: 'No nodes.' }));
    return;
  }
  const cards = nodes.map((node) => {
    const mine = pods
      .filter((p) => (node.unscheduled ? !known.has(p.node) : p.node === node.name))
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    const title = node.unscheduled ? 'unscheduled' : node.name;
    const facts = node.unscheduled ? '' : [node.ready ? 'Ready' : 'NotReady', node.podCIDR, node.simulated ? 'simulated' : ''].filter(Boolean).join(' · ');
    return h('div', { class: `node-card${node.ready ? '' : ' not-ready'}`, 'data-node-name': title },
      h('h3', {}, h('span', { text: title }), h('span', { class: 'muted small', text: ` ${facts}` })),
      mine.length === 0 ? h('p', { class: 'empty small', text: 'no pods' }) : h('ul', { class: 'pod-list' }, mine.map((pod) =>
        h('li', { class: `pod phase-${pod.phase.toLowerCase()}`, 'data-pod': `${pod.namespace}/${pod.name}` },
          h('span', { class: `dot ${pod.ready ? 'ready' : 'unready'}`, title: pod.ready ? 'ready' : 'not ready' }),
          h('span', { class: 'pod-name', text: pod.name }),
          h('span', { class: 'muted small', text: ` ${pod.namespace} · ${pod.ip || 'no IP'} · ${pod.phase}` })))));
  });
  replaceChildren(container, cards);
}
