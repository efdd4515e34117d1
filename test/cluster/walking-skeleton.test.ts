// The foundation's thin path end to end: YAML → Deployments → pods as real
// processes with their own IPs → Service ClusterIP in DNS → Endpoints →
// sidecars + ingress gateway applying a 90/10 VirtualService split → one
// trace covering the gateway and the chosen version.

import t from 'tap';
import { Resolver } from 'node:dns/promises';
import { AUTHORIZATION_POLICIES, ENDPOINTS, PODS, SERVICES } from '../../control/api/index.ts';
import type { Endpoints, Pod, Service } from '../../control/api/index.ts';
import { startCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { httpGet as get } from '../helpers/http.ts';

const YAML = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello-v1, labels: { app: hello, version: v1 } }
spec:
  replicas: 1
  selector: { matchLabels: { app: hello, version: v1 } }
  template:
    metadata: { labels: { app: hello, version: v1 } }
    spec:
      containers:
      - name: hello
        image: docker.io/istio/examples-helloworld-v1
        ports: [{ containerPort: 5000 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello-v2, labels: { app: hello, version: v2 } }
spec:
  replicas: 1
  selector: { matchLabels: { app: hello, version: v2 } }
  template:
    metadata: { labels: { app: hello, version: v2 } }
    spec:
      containers:
      - name: hello
        image: docker.io/istio/examples-helloworld-v2
        ports: [{ containerPort: 5000 }]
---
apiVersion: v1
kind: Service
metadata: { name: hello, labels: { app: hello } }
spec:
  selector: { app: hello }
  ports: [{ name: http, port: 5000 }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: hello }
spec:
  host: hello
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: hello-gateway }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 80, name: http, protocol: HTTP }
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: hello }
spec:
  hosts: ["*"]
  gateways: [hello-gateway]
  http:
  - match: [{ uri: { prefix: /hello } }]
    route:
    - destination: { host: hello, subset: v1, port: { number: 5000 } }
      weight: 90
    - destination: { host: hello, subset: v2, port: { number: 5000 } }
      weight: 10
---
apiVersion: v1
kind: Pod
metadata: { name: with-command, labels: { app: cmd } }
spec:
  containers:
  - name: main
    image: any/thing:1.0
    command: ["node", "-e"]
    args: ["console.log('greeting=' + process.env.GREETING + ' ip=' + process.env.POD_IP); setInterval(() => {}, 1000)"]
    env: [{ name: GREETING, value: hi }]
---
apiVersion: policy.meshlet.dev/v1alpha1
kind: RateLimitPolicy
metadata: { name: hello-limit }
spec:
  target: { service: hello }
  mode: global
  rules:
  - name: tagged
    match: [{ headers: { x-limit-me: { exact: "yes" } } }]
    limit: { requests: 3, unit: day }
---
apiVersion: v1
kind: Pod
metadata: { name: unmapped }
spec:
  containers:
  - name: main
    image: example.com/not/mapped:1.0
`;


t.test('YAML to a traced, split request', async (t) => {
  const cluster = await startCluster({ yaml: YAML, nodes: 2 });
  t.teardown(() => cluster.stop());
  const { client } = cluster;

  const readyPods = await waitFor('both hello pods running and ready', async () => {
    const pods = (await client.list<Pod>(PODS, { namespace: 'default', labelSelector: 'app=hello' })).items;
    const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length === 2 ? ready : undefined;
  }, { timeoutMs: 30_000 });

  t.test('each pod has its own IP from its node subnet', async (t) => {
    const ips = readyPods.map((p) => p.status!.podIP!);
    t.equal(new Set(ips).size, 2, 'distinct pod IPs');
    for (const pod of readyPods) {
      const node = cluster.nodes.find((n) => n.name === pod.spec!.nodeName);
      t.ok(node, `pod ${pod.metadata.name} is bound to a known node`);
      const prefix = node!.podCidr.split('.').slice(0, 3).join('.');
      t.ok(pod.status!.podIP!.startsWith(`${prefix}.`), `${pod.status!.podIP} is inside ${node!.podCidr}`);
      t.not(pod.status!.podIP, node!.address, 'not the node gateway address');
    }
    // Both apps listen on :5000 — each on its own pod IP.
    for (const ip of ips) {
      const res = await get(`http://${ip}:5000/hello`);
      t.equal(res.status, 200, `direct request to ${ip}:5000`);
    }
  });

  t.test('the Service gets a ClusterIP that cluster DNS answers, and Endpoints list ready pod IPs', async (t) => {
    const svc = await client.get<Service>(SERVICES, 'default', 'hello');
    const clusterIp = svc!.spec!.clusterIP!;
    t.match(clusterIp, /^127\./);
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`${cluster.dns.host}:${cluster.dns.port}`]);
    t.same(await resolver.resolve4('hello.default.svc.cluster.local'), [clusterIp]);
    const endpoints = await waitFor('endpoints with two addresses', async () => {
      const ep = await client.get<Endpoints>(ENDPOINTS, 'default', 'hello');
      return (ep?.subsets?.[0]?.addresses?.length ?? 0) === 2 ? ep : undefined;
    });
    t.same(endpoints.subsets![0]!.addresses!.map((a) => a.ip).sort(), readyPods.map((p) => p.status!.podIP!).sort());
  });

  t.test('a container command runs with its env and POD_IP', async (t) => {
    const pod = await waitFor('with-command pod running', async () => {
      const p = await client.get<Pod>(PODS, 'default', 'with-command');
      return p?.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    });
    const lines = await waitFor('its log line', async () => {
      let text = '';
      for await (const chunk of cluster.podLogs.stream('default', 'with-command', {})) text += chunk;
      return text.includes('greeting=') ? text : undefined;
    });
    t.match(lines, `greeting=hi ip=${pod.status!.podIP}`);
  });

  t.test('an unmapped image without a command leaves the pod waiting with a clear reason', async (t) => {
    const pod = await waitFor('unmapped pod to report its waiting reason', async () => {
      const p = await client.get<Pod>(PODS, 'default', 'unmapped');
      return p?.status?.containerStatuses?.[0]?.state?.waiting ? p : undefined;
    });
    t.equal(pod.status!.phase, 'Pending');
    t.equal(pod.status!.containerStatuses![0]!.state.waiting!.reason, 'ImageNotMapped');
    t.match(pod.status!.containerStatuses![0]!.state.waiting!.message, /example\.com\/not\/mapped/);
  });

  t.test('1000 requests through the ingress split 90/10 within 4 sigma, and traces cover both hops', async (t) => {
    await waitFor('the gateway routes /hello', async () => (await get(`${cluster.ingressUrl}/hello`)).status === 200);
    const counts = { v1: 0, v2: 0, other: 0 };
    const total = 1000;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        next += 1;
        const res = await get(`${cluster.ingressUrl}/hello`);
        if (res.status === 200 && res.body.includes('version: v1')) counts.v1 += 1;
        else if (res.status === 200 && res.body.includes('version: v2')) counts.v2 += 1;
        else counts.other += 1;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    t.equal(counts.other, 0, 'every request answered by a version');
    const sigma = Math.sqrt(total * 0.9 * 0.1);
    t.ok(Math.abs(counts.v1 - total * 0.9) <= 4 * sigma, `v1 got ${counts.v1} of ${total} (expected 900 ± ${Math.round(4 * sigma)})`);
    t.equal(counts.v1 + counts.v2, total);

    const trace = await waitFor('a trace spanning the gateway and a hello pod', () =>
      cluster.spans.traces(200).find((summary) => {
        const spans = cluster.spans.trace(summary.traceId);
        const gateway = spans.some((s) => /ingressgateway/.test(s.service));
        const backend = spans.some((s) => /^hello-v[12]-/.test(s.service) && s.kind === 'server');
        return gateway && backend;
      }),
    );
    const spans = cluster.spans.trace(trace.traceId);
    t.ok(spans.length >= 2, `trace ${trace.traceId} has ${spans.length} spans`);
    t.equal(new Set(spans.map((s) => s.traceId)).size, 1, 'one trace id');

    const metrics = await get(`${cluster.dashboardUrl.replace(/\/$/, '')}/metrics`);
    t.equal(metrics.status, 200);
    const served = [...metrics.body.matchAll(/^istio_requests_total\{([^}]*)\} (\d+)$/gm)]
      .filter((m) => m[1]!.includes('reporter="destination"') && m[1]!.includes('destination_app="hello"') && m[1]!.includes('response_code="200"'))
      .reduce((sum, m) => sum + Number(m[2]), 0);
    t.ok(served >= total, `istio_requests_total counts the ${total} requests at the destination (${served})`);
  });

  t.test('a global RateLimitPolicy admits its budget through the gateway, then 429s', async (t) => {
    const statuses: number[] = [];
    let limited: { status: number; headers: Record<string, unknown> } | undefined;
    for (let i = 0; i < 6; i++) {
      const res = await get(`${cluster.ingressUrl}/hello`, { 'x-limit-me': 'yes' });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    t.same(statuses, [200, 200, 200, 429, 429, 429]);
    t.equal(limited?.headers['x-envoy-ratelimited'], 'true');
    t.equal(limited?.headers['x-ratelimit-limit'] !== undefined, true, 'X-RateLimit-Limit on the 429');
    t.equal((await get(`${cluster.ingressUrl}/hello`)).status, 200, 'untagged requests are not limited');
  });

  t.test('an AuthorizationPolicy denies a path at the hello sidecars, and lifting it restores access', async (t) => {
    const policy = {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'hello-deny-admin', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'hello' } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/hello/admin*'] } }] }] },
    };
    const [applied] = await cluster.apply([policy]);
    t.equal(applied?.action, 'created', applied?.error?.message ?? 'policy created');
    const denied = await waitFor('the policy in force', async () => {
      const res = await get(`${cluster.ingressUrl}/hello/admin`);
      return res.status === 403 ? res : undefined;
    });
    t.equal(denied.body, 'RBAC: access denied');
    t.equal((await get(`${cluster.ingressUrl}/hello`)).status, 200, 'other paths still pass');
    const bad = await cluster.apply([{ ...policy, metadata: { name: 'broken', namespace: 'default' }, spec: { action: 'MAYBE' } }]);
    t.equal(bad[0]?.action, 'failed', 'an invalid policy is rejected');
    t.match(bad[0]?.error?.message ?? '', /spec\.action/);
    await cluster.registry.delete(AUTHORIZATION_POLICIES, 'default', 'hello-deny-admin');
    await waitFor('access restored', async () => (await get(`${cluster.ingressUrl}/hello/admin`)).status !== 403);
  });
});
