// The overlay inside a running cluster: two unmodified Node.js app pods reach
// each other by Service name, and the cluster DNS (queried with the real
// `dig`) follows objects as they change.

import http from 'node:http';
import t from 'tap';
import { ENDPOINTS, PODS, SERVICES } from '../../control/api/index.ts';
import type { Pod } from '../../control/api/index.ts';
import { startCluster } from '../helpers/cluster.ts';
import type { TestCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { dig, digShort, requireDig } from './helpers/dig.ts';

// Unmodified apps: no meshlet API, no env lookups for addresses.
const BACKEND = `require('http').createServer((req, res) => res.end('backend says hi to ' + req.headers.host)).listen(8080)`;
const FRONTEND = `
const http = require('http');
http.createServer((req, res) => {
  http.get('http://backend:8080/', (up) => {
    let body = '';
    up.on('data', (d) => (body += d));
    up.on('end', () => res.end('frontend got: ' + body));
  }).on('error', (err) => { res.statusCode = 502; res.end('frontend error: ' + err.message); });
}).listen(8081);
`;

function yaml(inject: boolean, suffix: string): string {
  const annotations = inject ? '' : `\n      annotations: { sidecar.istio.io/inject: "false" }`;
  return `
apiVersion: v1
kind: Service
metadata: { name: backend, namespace: apps${suffix} }
spec:
  selector: { app: backend }
  ports: [{ name: http, port: 8080 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: backend, namespace: apps${suffix} }
spec:
  replicas: 1
  selector: { matchLabels: { app: backend } }
  template:
    metadata:
      labels: { app: backend }${annotations}
    spec:
      containers:
        - name: app
          image: node
          command: ["node", "-e", ${JSON.stringify(BACKEND)}]
          ports: [{ containerPort: 8080 }]
---
apiVersion: v1
kind: Pod
metadata:
  name: frontend
  namespace: apps${suffix}
  labels: { app: frontend }${inject ? '' : `\n  annotations: { sidecar.istio.io/inject: "false" }`}
spec:
  containers:
    - name: app
      image: node
      command: ["node", "-e", ${JSON.stringify(FRONTEND)}]
      ports: [{ containerPort: 8081 }]
`;
}

function nsYaml(suffix: string): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata: { name: apps${suffix} }\n---\n`;
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

let cluster: TestCluster;

t.before(async () => {
  await requireDig();
  cluster = await startCluster({ yaml: nsYaml('') + yaml(false, '') + '---\n' + nsYaml('-meshed') + yaml(true, '-meshed'), nodes: 2 });
});

t.teardown(() => cluster?.stop());

for (const [label, ns] of [['without sidecars', 'apps'], ['with sidecars', 'apps-meshed']] as const) {
  t.test(`two unmodified Node apps reach each other by Service name (${label})`, async (t) => {
    const frontendIp = await waitFor(`frontend pod IP in ${ns}`, async () => {
      const pod = await cluster.client.get<Pod>(PODS, ns, 'frontend');
      return pod?.status?.phase === 'Running' ? pod.status.podIP : undefined;
    });
    const reply = await waitFor(
      `frontend → backend by name in ${ns}`,
      async () => {
        // Until the backend pod is ready the sidecar answers 503 "no healthy upstream".
        const r = await httpGet(`http://${frontendIp}:8081/`);
        if (r.status !== 200 || !r.body.includes('backend says')) throw new Error(r.body);
        return r;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    t.equal(reply.body, 'frontend got: backend says hi to backend:8080');
  });
}

t.test('dig against the running cluster as objects change', async (t) => {
  const dns = cluster.dns;
  const name = 'backend.apps.svc.cluster.local';
  const svc = await cluster.client.get(SERVICES, 'apps', 'backend');
  const clusterIp = (svc?.spec as { clusterIP: string }).clusterIP;
  t.same(await digShort(dns, [name]), [clusterIp], 'ClusterIP service A');
  t.same(await digShort(dns, ['+tcp', name]), [clusterIp], 'over TCP too');
  t.same(await digShort(dns, ['-x', clusterIp]), [`${name}.`], 'PTR');
  t.same(await digShort(dns, [`_http._tcp.${name}`, 'SRV']), [`0 100 8080 ${name}.`], 'SRV');
  t.same(await digShort(dns, ['+search', '+domain=apps.svc.cluster.local', '+ndots=5', 'backend']), [clusterIp], 'short name through the search path');

  // A selector-less headless service with hand-written Endpoints: created, endpoint unready, deleted.
  const db = 'db.apps.svc.cluster.local';
  t.equal((await dig(dns, [db])).status, 'NXDOMAIN', 'before the service exists');
  await cluster.client.create(SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'apps' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } });
  const endpoints = (ready: string[], notReady: string[]) => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'db', namespace: 'apps' },
    subsets: [{ addresses: ready.map((ip) => ({ ip })), notReadyAddresses: notReady.map((ip) => ({ ip })), ports: [{ name: 'pg', port: 5432 }] }],
  });
  await cluster.client.create(ENDPOINTS, endpoints(['127.201.50.2', '127.201.50.3'], []));
  const both = await waitFor('both db endpoints in DNS', async () => {
    const got = (await digShort(dns, [db])).sort();
    return got.length === 2 ? got : undefined;
  });
  t.same(both, ['127.201.50.2', '127.201.50.3'], 'service created: one A per ready endpoint');
  const current = await cluster.client.get(ENDPOINTS, 'apps', 'db');
  await cluster.client.update(ENDPOINTS, { ...endpoints(['127.201.50.2'], ['127.201.50.3']), metadata: { name: 'db', namespace: 'apps', resourceVersion: current!.metadata.resourceVersion } });
  const one = await waitFor('the unready endpoint leaves DNS', async () => {
    const got = await digShort(dns, [db]);
    return got.length === 1 ? got : undefined;
  });
  t.same(one, ['127.201.50.2'], 'endpoint became unready');
  await cluster.client.delete(SERVICES, 'apps', 'db');
  const status = await waitFor('db NXDOMAIN after delete', async () => ((await dig(dns, [db])).status === 'NXDOMAIN' ? 'NXDOMAIN' : undefined));
  t.equal(status, 'NXDOMAIN', 'service deleted');
  const txt = await digShort(dns, ['dns-version.cluster.local', 'TXT']);
  t.same(txt, ['"1.1.0"']);
});
