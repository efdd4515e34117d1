// Node failure and node shutdown with real processes: a Redis-backed control
// plane (`meshlet up --node-monitor-grace-period 4s`) and agents joined with
// `meshlet node join`. kill -9 of a joined agent → within the grace period its
// node is Ready=Unknown and tainted unreachable, its pod is not Ready and
// leaves Endpoints, then (tolerationSeconds 3 in the pod spec) the pod is
// evicted and replaced on the control plane's node. SIGTERM to a joined agent
// drains it: Ready=False, its pod reported Failed (Terminated), the process exits.

import t from 'tap';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoints, KubeObject, Node, NodeCondition, Pod } from '../../control/api/index.ts';
import { ENDPOINTS, NODES, PODS, TAINT_NODE_UNREACHABLE } from '../../control/api/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { openStore } from '../../control/store/index.ts';
import { startRedisServer } from '../store/redis-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { MESHLET_BIN as BIN, meshlet } from '../helpers/meshlet-cli.ts';

const GRACE_S = 4;

function deployment(name: string, nodeSelector: string | undefined, tolerationSeconds: number): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: 1
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name}, version: v1 } }
    spec:
      terminationGracePeriodSeconds: 5
      ${nodeSelector ? `nodeSelector: { kubernetes.io/hostname: ${nodeSelector} }` : ''}
      tolerations:
      - { key: ${TAINT_NODE_UNREACHABLE}, operator: Exists, effect: NoExecute, tolerationSeconds: ${tolerationSeconds} }
      containers:
      - name: hello
        image: docker.io/istio/examples-helloworld-v1
        ports: [{ containerPort: 5000 }]
---
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec: { selector: { app: ${name} }, ports: [{ port: 5000 }] }
`;
}

const readyOf = (obj: { status?: { conditions?: { type: string; status: string }[] } } | undefined) =>
  obj?.status?.conditions?.find((c) => c.type === 'Ready')?.status;

t.test('a killed node goes Unknown and its pods move; a SIGTERMed node drains', async (t) => {
  const redis = await startRedisServer();
  const plane = mkdtempSync(join(tmpdir(), 'meshlet-plane-'));
  const homes: string[] = [];
  const joined: ChildProcess[] = [];
  const store = await openStore({ url: redis.url });
  const registry = createRegistry({ store });
  t.teardown(async () => {
    for (const child of joined) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const home of homes) await meshlet(home, ['down']);
    await meshlet(plane, ['down']);
    await store.close();
    await redis.close();
    for (const dir of [plane, ...homes]) rmSync(dir, { recursive: true, force: true });
  });

  const bad = await meshlet(plane, ['up', '--detach', '--store', redis.url, '--node-monitor-grace-period', '4x']);
  t.equal(bad.code, 2, 'a malformed grace period is a usage error, refused before anything starts');
  t.match(bad.stderr, /invalid value "4x" for --node-monitor-grace-period/);

  const up = await meshlet(plane, ['up', '--detach', '--nodes', '1', '--store', redis.url, '--node-monitor-grace-period', `${GRACE_S}s`]);
  t.equal(up.code, 0, up.stderr);

  const join_ = async (name: string) => {
    const home = mkdtempSync(join(tmpdir(), `meshlet-${name}-`));
    homes.push(home);
    const child = spawn(process.execPath, [BIN, 'node', 'join', '--store', redis.url, '--name', name], {
      env: { ...process.env, MESHLET_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    joined.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(`node ${name} to join`, () => out.includes(`node ${name} joined`), { timeoutMs: 60_000 });
    return child;
  };
  const apply = async (yaml: string) => {
    const file = join(plane, `app-${Date.now()}.yaml`);
    writeFileSync(file, yaml);
    const res = await meshlet(plane, ['apply', '-f', file]);
    t.equal(res.code, 0, res.stderr);
  };
  const podsOf = async (app: string) => (await registry.list<Pod>(PODS, { namespace: 'default', labelSelector: `app=${app}` })).items;
  const readyAddresses = async (svc: string) =>
    ((await registry.get<Endpoints>(ENDPOINTS, 'default', svc))?.subsets ?? []).flatMap((s) => s.addresses ?? []).map((a) => a.ip);
  const setUnschedulable = async (nodeName: string, unschedulable: boolean) => {
    await registry.patch(NODES, undefined, nodeName, 'merge', { spec: { unschedulable } });
  };

  // --- kill -9: the node goes silent -------------------------------------------------------
  const victim = await join_('victim');
  // Keep node-1 out of the first placement so the pod starts on the joined node, then let it back in.
  await setUnschedulable('node-1', true);
  await apply(deployment('moving', undefined, 3));
  const first = await waitFor('the pod Ready on the joined node', async () =>
    (await podsOf('moving')).find((p) => p.spec?.nodeName === 'victim' && readyOf(p) === 'True' && p.status?.podIP), { timeoutMs: 60_000, intervalMs: 200 });
  const firstIp = first.status!.podIP!;
  await waitFor('the pod in the Service\'s Endpoints', async () => (await readyAddresses('moving')).includes(firstIp), { timeoutMs: 30_000 });
  await setUnschedulable('node-1', false);
  t.equal(readyOf(await registry.get<Node>(NODES, undefined, 'victim')), 'True', 'the joined node is Ready while it heartbeats');

  const killedAt = Date.now();
  victim.kill('SIGKILL');
  const unknown = await waitFor('the killed node Ready=Unknown with the unreachable taint', async () => {
    const node = await registry.get<Node>(NODES, undefined, 'victim');
    const tainted = node?.spec?.taints?.some((x) => x.key === TAINT_NODE_UNREACHABLE && x.effect === 'NoExecute');
    return readyOf(node) === 'Unknown' && tainted ? node : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  const detectedS = (Date.now() - killedAt) / 1000;
  t.ok(detectedS < GRACE_S + 6, `noticed ${detectedS.toFixed(1)} s after the kill (grace period ${GRACE_S} s)`);
  t.match(unknown.status!.conditions!.find((c: NodeCondition) => c.type === 'Ready'), { reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
  await waitFor('the pod not Ready and out of the ready Endpoints', async () => {
    const pod = await registry.get<Pod>(PODS, 'default', first.metadata.name);
    return (!pod || readyOf(pod) !== 'True') && !(await readyAddresses('moving')).includes(firstIp);
  }, { timeoutMs: 15_000, intervalMs: 100 });

  const evicted = await waitFor('the pod evicted after its tolerationSeconds', async () => {
    const pod = await registry.get<Pod>(PODS, 'default', first.metadata.name);
    return !pod ? 'deleted' : pod.metadata.deletionTimestamp ? 'terminating' : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  t.ok(Date.now() - killedAt >= (GRACE_S - 1 + 3) * 1000, `evicted (${evicted}) no sooner than grace period + tolerationSeconds`);
  const replacement = await waitFor('a replacement Ready on node-1', async () =>
    (await podsOf('moving')).find((p) => p.metadata.uid !== first.metadata.uid && p.spec?.nodeName === 'node-1' && readyOf(p) === 'True' && p.status?.podIP), { timeoutMs: 60_000, intervalMs: 200 });
  await waitFor('the replacement in the Endpoints', async () => {
    const ips = await readyAddresses('moving');
    return ips.includes(replacement.status!.podIP!) && !ips.includes(firstIp);
  }, { timeoutMs: 30_000 });

  // --- SIGTERM: the node drains ------------------------------------------------------------
  const seen: string[] = [];
  const watch = registry.watch<Node>(NODES, { fieldSelector: 'metadata.name=drainee' }, (event) => {
    const obj = event.object as KubeObject & Node;
    const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready) seen.push(`${ready.status}/${ready.reason ?? ''}`);
  });
  t.teardown(() => watch.close());
  const drainee = await join_('drainee');
  await apply(deployment('draining', 'drainee', 300));
  const running = await waitFor('the pod Ready on the node to drain', async () =>
    (await podsOf('draining')).find((p) => p.spec?.nodeName === 'drainee' && readyOf(p) === 'True'), { timeoutMs: 60_000, intervalMs: 200 });
  const exited = new Promise<number | null>((resolve) => drainee.once('exit', (code) => resolve(code)));
  drainee.kill('SIGTERM');
  t.equal(await exited, 0, 'the agent exits after draining');
  const after = await registry.get<Pod>(PODS, 'default', running.metadata.name);
  t.match(after?.status, { phase: 'Failed', reason: 'Terminated', message: 'Pod was terminated in response to imminent node shutdown.' }, 'its pod was stopped and reported');
  t.ok(seen.includes('False/KubeletNotReady'), `the node went NotReady while draining (seen: ${seen.join(', ')})`);
  await waitFor('a replacement for the drained pod', async () => (await podsOf('draining')).some((p) => p.metadata.uid !== running.metadata.uid), { timeoutMs: 30_000 });
});
