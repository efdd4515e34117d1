// Scheduler throughput: 1000 pods onto 100 simulated nodes (Node objects
// only, as KWOK does) through the in-process registry over a MemoryStore,
// plus the same 1000 pods onto 5000 nodes, the cluster size of the reference.
// Rows: the scheduling algorithm alone over in-memory NodeInfos (the
// baseline measured in this run), the full loop (informer → schedule →
// bind + PodScheduled via the registry; steady-state rate between the 10th
// and 90th percentile binding) with and without events, and
// kube-scheduler's scheduler_perf threshold (FACTS.md: 680 pods/s, 5000 nodes
// / 10k pods) as the stated reference. Run: node --import=tsx bench/scheduler-throughput.ts

import { pathToFileURL } from 'node:url';
import type { Node, Pod } from '../control/api/index.ts';
import { NODES, PODS } from '../control/api/index.ts';
import { createRegistry } from '../control/registry/index.ts';
import { defaultProfile, NodeInfo, schedulePod, startScheduler } from '../control/scheduler/index.ts';
import { MemoryStore } from '../control/store/index.ts';

const NODE_COUNT = 100;
const POD_COUNT = 1000;
const KUBE_SCHEDULER_THRESHOLD = 680;
const DEADLINE_MS = 120_000;
const ROUNDS = 3;
const BIG_CLUSTER = 5000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export interface SchedulerBenchRow {
  name: string;
  podsPerSecond: number;
  /** podsPerSecond / the kube-scheduler threshold. */
  ratio: number;
}

function nodeObject(i: number): Node {
  const name = `sim-${String(i).padStart(4, '0')}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `u-${name}`, resourceVersion: '1', creationTimestamp: new Date(0).toISOString(), labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
    spec: {},
    status: { allocatable: { cpu: '32', memory: '128Gi', pods: '110' }, capacity: { cpu: '32', memory: '128Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function podObject(i: number): Pod {
  const name = `bench-${i}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `u-${name}`, resourceVersion: '1', creationTimestamp: new Date(0).toISOString(), labels: { app: `app-${i % 10}` } },
    spec: { containers: [{ name: 'c', image: 'example/app:1', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
}

/** The algorithm alone: filter + score + pick over NodeInfos, assuming each result. */
function algorithmOnly(nodeCount = NODE_COUNT): number {
  const nodes = Array.from({ length: nodeCount }, (_, i) => new NodeInfo(nodeObject(i)));
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const profile = defaultProfile();
  const start = performance.now();
  let startIndex = 0;
  for (let i = 0; i < POD_COUNT; i++) {
    const pod = podObject(i);
    const result = schedulePod(profile, pod, nodes, { startIndex });
    startIndex = result.nextStartIndex;
    if (!result.ok) throw new Error(`bench/scheduler: pod ${i} did not fit: ${result.message}`);
    byName.get(result.node)!.addPod({ ...pod, spec: { ...pod.spec!, nodeName: result.node } });
  }
  return POD_COUNT / ((performance.now() - start) / 1000);
}

/** The whole loop against the registry: pods exist first, then the scheduler starts and the clock runs until all are bound. */
async function endToEnd(recordEvents: boolean, nodeCount = NODE_COUNT): Promise<number> {
  const store = new MemoryStore();
  const client = createRegistry({ store });
  await client.ensureNamespaces(['default']);
  for (let i = 0; i < nodeCount; i++) {
    const { metadata, ...rest } = nodeObject(i);
    const created = await client.create<Node>(NODES, { ...rest, metadata: { name: metadata.name, labels: metadata.labels } });
    await client.updateStatus(NODES, { ...created, status: rest.status });
  }
  for (let i = 0; i < POD_COUNT; i++) {
    const { metadata, ...rest } = podObject(i);
    await client.create(PODS, { ...rest, metadata: { name: metadata.name, namespace: 'default', labels: metadata.labels } });
  }
  let bound = 0;
  const boundAt: number[] = [];
  let finish: () => void = () => undefined;
  const allBound = new Promise<void>((resolve) => (finish = resolve));
  const watcher = client.watch<Pod>(PODS, { namespace: 'default', resourceVersion: String(await store.currentRevision()) }, (event) => {
    if (event.type === 'MODIFIED' && event.object.spec?.nodeName && event.object.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True')) {
      bound += 1;
      boundAt.push(performance.now());
      if (bound === POD_COUNT) finish();
    }
  });
  const scheduler = await startScheduler({ client, recordEvents });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      allBound,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`bench/scheduler: only ${bound}/${POD_COUNT} pods bound in ${DEADLINE_MS} ms`)), DEADLINE_MS))),
    ]);
    // The steady state, as scheduler_perf's throughput: the rate between the 10th and the 90th
    // percentile binding, so the informers' initial list of nodes and pods is not counted.
    const from = Math.floor(POD_COUNT * 0.1);
    const to = Math.floor(POD_COUNT * 0.9);
    return (to - from) / ((boundAt[to - 1]! - boundAt[from - 1]!) / 1000);
  } finally {
    clearTimeout(timer);
    watcher.close();
    await scheduler.stop();
    await store.close();
  }
}

export async function run(): Promise<SchedulerBenchRow[]> {
  const rows: SchedulerBenchRow[] = [];
  const add = (name: string, podsPerSecond: number) => rows.push({ name, podsPerSecond, ratio: podsPerSecond / KUBE_SCHEDULER_THRESHOLD });
  algorithmOnly(); // warm-up: JIT and module loading out of the measurement
  add(`baseline: schedulePod only (in memory, no API, median of ${ROUNDS})`, median(Array.from({ length: ROUNDS }, algorithmOnly)));
  await endToEnd(false); // warm-up: the registry's patch and validation paths
  // The median of three runs each, interleaved, so a busy machine skews both cases alike.
  const quiet: number[] = [];
  const noisy: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    quiet.push(await endToEnd(false));
    noisy.push(await endToEnd(true));
  }
  add(`meshlet scheduler, registry + MemoryStore, no events (median of ${ROUNDS})`, median(quiet));
  add(`meshlet scheduler, registry + MemoryStore, with events (median of ${ROUNDS})`, median(noisy));
  add(`schedulePod only, ${BIG_CLUSTER} nodes (scheduler_perf's size)`, algorithmOnly(BIG_CLUSTER));
  add(`meshlet scheduler, no events, ${BIG_CLUSTER} nodes (one run)`, await endToEnd(false, BIG_CLUSTER));
  add('reference: kube-scheduler scheduler_perf threshold (5000 nodes)', KUBE_SCHEDULER_THRESHOLD);

  console.log(`\nScheduler throughput: ${POD_COUNT} pods onto ${NODE_COUNT} simulated nodes (pods/s; ratio vs kube-scheduler's ${KUBE_SCHEDULER_THRESHOLD} pods/s)\n`);
  const header = ['case', 'pods/s', 'vs 680'];
  const table = rows.map((r) => [r.name, r.podsPerSecond.toFixed(0), `${r.ratio.toFixed(2)}x`]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
