// The service graph as SVG: columns by call depth (callers left, callees right),
// edges labelled with rate, error rate and median latency.
import { formatMs, formatPercent, formatRate, h, replaceChildren, svg } from './dom.js';

const NODE_W = 168;
const NODE_H = 46;
const COL_GAP = 220;
const ROW_GAP = 34;
const PAD = 24;

/** Longest-path depth from the nodes nobody calls; cycles are cut after |nodes| rounds. */
function depths(nodes, edges) {
  const depth = new Map(nodes.map((n) => [n.id, 0]));
  for (let round = 0; round < nodes.length; round++) {
    let moved = false;
    for (const e of edges) {
      if (e.source === e.target || !depth.has(e.source) || !depth.has(e.target)) continue;
      const next = depth.get(e.source) + 1;
      if (next > depth.get(e.target)) {
        depth.set(e.target, next);
        moved = true;
      }
    }
    if (!moved) break;
  }
  return depth;
}

function layout(graph) {
  const depth = depths(graph.nodes, graph.edges);
  const columns = [];
  for (const node of graph.nodes) {
    const d = depth.get(node.id) ?? 0;
    (columns[d] ??= []).push(node);
  }
  const positions = new Map();
  const tallest = Math.max(1, ...columns.map((c) => (c ? c.length : 0)));
  const height = PAD * 2 + tallest * NODE_H + (tallest - 1) * ROW_GAP + 20;
  columns.forEach((column, d) => {
    if (!column) return;
    column.sort((a, b) => a.name.localeCompare(b.name) || (a.version ?? '').localeCompare(b.version ?? ''));
    const columnHeight = column.length * NODE_H + (column.length - 1) * ROW_GAP;
    const top = (height - columnHeight) / 2;
    column.forEach((node, i) => {
      positions.set(node.id, { x: PAD + d * (NODE_W + COL_GAP), y: top + i * (NODE_H + ROW_GAP) });
    });
  });
  const width = PAD * 2 + Math.max(1, columns.length) * NODE_W + Math.max(0, columns.length - 1) * COL_GAP;
  return { positions, width, height };
}

function edgeColor(errorRate) {
  if (errorRate >= 0.05) return 'var(--bad)';
  if (errorRate > 0) return 'var(--warn)';
  return 'var(--good)';
}

function edgePath(from, to) {
  const x1 = from.x + NODE_W;
  const y1 = from.y + NODE_H / 2;
  const x2 = to.x;
  const y2 = to.y + NODE_H / 2;
  if (x2 > x1) {
    const mid = (x1 + x2) / 2;
    return { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, lx: mid, ly: (y1 + y2) / 2 };
  }
  // Same column or a call back to the left: loop below the nodes.
  const low = Math.max(y1, y2) + NODE_H;
  return { d: `M${x1},${y1} C${x1 + 60},${low} ${x2 - 60},${low} ${x2},${y2}`, lx: (x1 + x2) / 2, ly: low - 8 };
}

function edgeLook(edge) {
  const errorRate = edge.requests > 0 ? edge.errors / edge.requests : 0;
  return {
    color: edgeColor(errorRate),
    width: (1.5 + Math.min(4, Math.log10(1 + (edge.rps ?? 0)) * 2)).toFixed(1),
    label: `${formatRate(edge.rps ?? 0)} · ${formatPercent(errorRate)} err · p50 ${formatMs(edge.p50Ms)} (${edge.requests})`,
  };
}

function edgeKey(edge) {
  return `${edge.source}->${edge.target}`;
}

function renderEdge(edge, positions) {
  const from = positions.get(edge.source);
  const to = positions.get(edge.target);
  if (!from || !to) return undefined;
  const { d, lx, ly } = edgePath(from, to);
  const look = edgeLook(edge);
  // Labels sit in their own group; the page's layer order keeps them above nodes.
  return svg('g', { class: 'edge', 'data-edge': edgeKey(edge), 'data-requests': edge.requests, 'data-errors': edge.errors },
    svg('title', { text: `${edge.source} → ${edge.target}\n${look.label}` }),
    svg('path', { d, fill: 'none', stroke: look.color, 'stroke-width': look.width, 'marker-end': 'url(#arrow)' }),
    svg('g', { class: 'edge-label-group' },
      svg('rect', { class: 'edge-label-bg', rx: 4 }),
      svg('text', { class: 'edge-label', x: lx, y: ly + 4, 'text-anchor': 'middle', 'data-label-for': edgeKey(edge), text: look.label })),
  );
}

/** Updates counts, colours and labels of an already drawn graph with the same shape. */
function updateEdges(root, edges) {
  const byKey = new Map([...root.querySelectorAll('[data-edge]')].map((el) => [el.getAttribute('data-edge'), el]));
  const labels = new Map([...root.querySelectorAll('[data-label-for]')].map((el) => [el.getAttribute('data-label-for'), el]));
  for (const edge of edges) {
    const group = byKey.get(edgeKey(edge));
    const text = labels.get(edgeKey(edge));
    if (!group || !text) continue;
    const look = edgeLook(edge);
    group.setAttribute('data-requests', String(edge.requests));
    group.setAttribute('data-errors', String(edge.errors));
    group.querySelector('title').textContent = `${edge.source} → ${edge.target}\n${look.label}`;
    const path = group.querySelector('path');
    path.setAttribute('stroke', look.color);
    path.setAttribute('stroke-width', look.width);
    if (text.textContent !== look.label) text.textContent = look.label;
  }
  fitLabelBackgrounds(root);
}

/** Sizes each label's background to its rendered text (only measurable once in the document). */
function fitLabelBackgrounds(root) {
  for (const group of root.querySelectorAll('.edge-label-group')) {
    const text = group.querySelector('text');
    const box = text.getBBox();
    const rect = group.querySelector('rect');
    rect.setAttribute('x', String(box.x - 4));
    rect.setAttribute('y', String(box.y - 1));
    rect.setAttribute('width', String(box.width + 8));
    rect.setAttribute('height', String(box.height + 2));
  }
}

function renderNode(node, pos) {
  const subtitle = [node.version, node.namespace].filter(Boolean).join(' · ') || node.kind;
  return svg('g', { class: `node node-${node.kind}`, 'data-node-id': node.id, transform: `translate(${pos.x},${pos.y})` },
    svg('title', { text: `${node.kind} ${node.id}` }),
    svg('rect', { width: NODE_W, height: NODE_H, rx: 8 }),
    svg('text', { class: 'node-name', x: NODE_W / 2, y: 19, 'text-anchor': 'middle', text: node.name }),
    svg('text', { class: 'node-sub', x: NODE_W / 2, y: 36, 'text-anchor': 'middle', text: subtitle }),
  );
}

/** Redraws when nodes or edges come or go; otherwise updates the drawn graph in place. */
export function renderGraph(container, graph) {
  if (!graph || graph.nodes.length === 0) {
    container.dataset.shape = '';
    replaceChildren(container, h('p', { class: 'empty', text: 'No traffic yet.' }));
    return;
  }
  const shape = JSON.stringify([
    graph.nodes.map((n) => [n.id, n.name, n.kind, n.version ?? '', n.namespace ?? '']).sort(),
    graph.edges.map(edgeKey).sort(),
  ]);
  const drawn = container.querySelector('svg.graph-svg');
  if (drawn && container.dataset.shape === shape) {
    updateEdges(drawn, graph.edges);
    return;
  }
  container.dataset.shape = shape;
  const { positions, width, height } = layout(graph);
  const defs = svg('defs', {},
    svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: 'var(--edge-arrow)' })));
  const edges = graph.edges.map((e) => renderEdge(e, positions)).filter(Boolean);
  const nodes = graph.nodes.map((n) => renderNode(n, positions.get(n.id)));
  const labels = edges.map((edge) => edge.querySelector('.edge-label-group'));
  const root = svg('svg', { class: 'graph-svg', viewBox: `0 0 ${width} ${height}`, style: `width:100%;max-width:${width}px`, role: 'img', 'aria-label': 'service graph' },
    defs, svg('g', { class: 'edges' }, edges), svg('g', { class: 'nodes' }, nodes), svg('g', { class: 'edge-labels' }, labels));
  replaceChildren(container, root);
  fitLabelBackgrounds(root);
}
