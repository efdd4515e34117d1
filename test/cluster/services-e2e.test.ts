// Services end to end on a 2-node cluster: a NodePort answers on every node's
// address, a LoadBalancer gets an ingress address that answers (and kubectl
// shows it), the `kubernetes` Service leads to the API server over TLS, and
// pods see service-link variables (or only the kubernetes ones).

import t from 'tap';
import { request } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { ENDPOINTS, ENDPOINT_SLICES, SERVICES } from '../../control/api/index.ts';
import type { Endpoints, KubeObject, Service } from '../../control/api/index.ts';
import { parseManifestText } from '../../control/cluster/manifests.ts';
import { formatIpv4, parseCidr, cidrContains, parseIpv4 } from '../../overlay/index.ts';
import { startCluster } from '../helpers/cluster.ts';
import { httpGet } from '../helpers/http.ts';
import { waitFor } from '../helpers/wait.ts';
import { findKubectl, KUBECTL_MISSING, kubectlFor } from '../apiserver/kubectl-runner.ts';

const WEB = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: web
        image: example/web:1
        command: ["node", "-e", "require('http').createServer((q, s) => s.end('hello from web')).listen(8080, process.env.POD_IP)"]
        ports: [{ containerPort: 8080, name: http }]
---
apiVersion: v1
kind: Service
metadata: { name: web-np }
spec:
  type: NodePort
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: web-lb }
spec:
  type: LoadBalancer
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;

// Started once the Services exist: service links are those of Services existing at pod start.
const PRINT_ENV = `node -e "console.log(Object.keys(process.env).sort().map((k) => k + '=' + process.env[k]).join('\\\\n')); setInterval(() => {}, 1 << 30)"`;
const ENV_PODS = `
apiVersion: v1
kind: Pod
metadata: { name: env-links }
spec:
  containers:
  - { name: main, image: example/env:1, command: ["sh", "-c", ${JSON.stringify(PRINT_ENV)}] }
---
apiVersion: v1
kind: Pod
metadata: { name: env-nolinks }
spec:
  enableServiceLinks: false
  containers:
  - { name: main, image: example/env:1, command: ["sh", "-c", ${JSON.stringify(PRINT_ENV)}] }
`;

function envOf(text: string): Map<string, string> {
  return new Map(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

if (!findKubectl()) {
  t.fail(KUBECTL_MISSING);
} else {
  t.test('NodePort, LoadBalancer, the kubernetes Service and service links', { timeout: 240_000 }, async (t) => {
    const cluster = await startCluster({ nodes: 2, yaml: WEB });
    const kubectl = kubectlFor(cluster.kubeconfigPath);
    t.teardown(async () => {
      kubectl.close();
      await cluster.stop();
    });

    // NodePort: allocated at create, served on 127.0.0.1 and on each node's address.
    const np = (await cluster.client.get<Service>(SERVICES, 'default', 'web-np'))!;
    const nodePort = np.spec?.ports?.[0]?.nodePort ?? 0;
    t.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort} allocated from the range`);
    t.equal(cluster.nodes.length, 2);
    for (const host of ['127.0.0.1', ...cluster.nodes.map((n) => n.address)]) {
      const reply = await waitFor(`HTTP on ${host}:${nodePort}`, async () => {
        const r = await httpGet(`http://${host}:${nodePort}/`);
        return r.status === 200 ? r : undefined;
      }, { timeoutMs: 60_000, intervalMs: 200 });
      t.equal(reply.body, 'hello from web', `NodePort answers on ${host}`);
    }

    // Through the API with real kubectl: the same nodePort again is a 422 naming the field.
    const dup = await kubectl.run(['create', '-f', '-'], {
      stdin: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'dup' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, nodePort }] } }),
    });
    t.not(dup.code, 0);
    t.match(dup.stderr, `The Service "dup" is invalid: spec.ports[0].nodePort: Invalid value: ${nodePort}: provided port is already allocated`);
    const outOfRange = await kubectl.run(['create', 'service', 'nodeport', 'low', '--tcp=80:8080', '--node-port=8080']);
    t.not(outOfRange.code, 0);
    t.match(outOfRange.stderr, 'provided port is not in the valid range. The range of valid ports is 30000-32767');

    // LoadBalancer: an ingress address from the pool that answers on the Service port.
    const lbIp = await waitFor('web-lb ingress IP', async () => {
      const lb = await cluster.client.get<Service>(SERVICES, 'default', 'web-lb');
      return lb?.status?.loadBalancer?.ingress?.[0]?.ip;
    }, { timeoutMs: 30_000 });
    t.ok(cidrContains(parseCidr(cluster.loadBalancerCidr), parseIpv4(lbIp)!), `${lbIp} is in ${cluster.loadBalancerCidr}`);
    const lbReply = await waitFor(`HTTP on ${lbIp}:80`, async () => {
      const r = await httpGet(`http://${lbIp}:80/`);
      return r.status === 200 ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    t.equal(lbReply.body, 'hello from web');
    const lb = (await cluster.client.get<Service>(SERVICES, 'default', 'web-lb'))!;
    const lbNodePort = lb.spec?.ports?.[0]?.nodePort;
    t.ok(lbNodePort, 'LoadBalancer Services get a nodePort too');
    const svcTable = await kubectl.run(['get', 'svc', 'web-lb']);
    t.equal(svcTable.code, 0, svcTable.stderr);
    t.match(svcTable.stdout, new RegExp(`^web-lb\\s+LoadBalancer\\s+\\S+\\s+${lbIp.replace(/\./g, '\\.')}\\s+80:${lbNodePort}/TCP\\s`, 'm'), 'EXTERNAL-IP is the ingress address');
    t.notMatch(svcTable.stdout, /<pending>/);

    // The kubernetes Service: first service address, 443 → the API server.
    const apiPort = Number(new URL(cluster.apiUrl).port);
    const kubeIp = formatIpv4(parseCidr(cluster.serviceCidr).base + 1);
    const kube = await waitFor('the kubernetes Service', () => cluster.client.get<Service>(SERVICES, 'default', 'kubernetes'));
    t.equal(kube.spec?.clusterIP, kubeIp);
    t.match(kube.spec?.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: apiPort }]);
    const eps = await waitFor('kubernetes Endpoints', () => cluster.client.get<Endpoints>(ENDPOINTS, 'default', 'kubernetes'));
    t.same(eps.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: apiPort, protocol: 'TCP' }] }]);
    const slice = await waitFor('kubernetes EndpointSlice', async () =>
      (await cluster.client.list<KubeObject & { endpoints?: { addresses: string[] }[] }>(ENDPOINT_SLICES, { namespace: 'default', labelSelector: 'kubernetes.io/service-name=kubernetes' })).items[0]);
    t.same(slice.endpoints?.map((e) => e.addresses), [['127.0.0.1']]);
    const version = await waitFor(`GET /version through ${kubeIp}:443`, () => getVersion(kubeIp, cluster.apiServer.caData, cluster.token), { timeoutMs: 30_000, intervalMs: 200 });
    t.equal(version.status, 200);
    t.match(JSON.parse(version.body), { gitVersion: /^v1\./ }, 'TLS through the ClusterIP reaches the API server');

    // Kept by the control plane: deleted, it comes back with the same address.
    await cluster.client.delete(SERVICES, 'default', 'kubernetes');
    const back = await waitFor('the kubernetes Service restored', () => cluster.client.get<Service>(SERVICES, 'default', 'kubernetes'), { timeoutMs: 30_000 });
    t.equal(back.spec?.clusterIP, kubeIp);

    // Service links.
    const applied = await cluster.apply(parseManifestText(ENV_PODS, 'env pods').map((m) => m.object));
    t.same(applied.filter((a) => a.action === 'failed'), []);
    const logsOf = (pod: string) => waitFor(`env printed by ${pod}`, async () => {
      const r = await kubectl.run(['logs', pod]);
      return r.code === 0 && r.stdout.includes('PATH=') ? envOf(r.stdout) : undefined;
    }, { timeoutMs: 90_000, intervalMs: 500 });
    const np2 = (await cluster.client.get<Service>(SERVICES, 'default', 'web-np'))!;
    const ip = np2.spec!.clusterIP!;
    const linked = await logsOf('env-links');
    const expected: Record<string, string> = {
      WEB_NP_SERVICE_HOST: ip,
      WEB_NP_SERVICE_PORT: '80',
      WEB_NP_SERVICE_PORT_HTTP: '80',
      WEB_NP_PORT: `tcp://${ip}:80`,
      WEB_NP_PORT_80_TCP: `tcp://${ip}:80`,
      WEB_NP_PORT_80_TCP_PROTO: 'tcp',
      WEB_NP_PORT_80_TCP_PORT: '80',
      WEB_NP_PORT_80_TCP_ADDR: ip,
      WEB_LB_SERVICE_HOST: lb.spec!.clusterIP!,
      KUBERNETES_SERVICE_HOST: kubeIp,
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: `tcp://${kubeIp}:443`,
      KUBERNETES_PORT_443_TCP_ADDR: kubeIp,
    };
    for (const [name, value] of Object.entries(expected)) t.equal(linked.get(name), value, name);
    const unlinked = await logsOf('env-nolinks');
    t.equal(unlinked.get('KUBERNETES_SERVICE_HOST'), kubeIp, 'the kubernetes Service is linked regardless');
    t.equal(unlinked.get('KUBERNETES_SERVICE_PORT'), '443');
    t.same([...unlinked.keys()].filter((k) => k.startsWith('WEB_')), [], 'enableServiceLinks: false leaves the others out');
  });
}

function getVersion(host: string, ca: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      // The chain is verified against the API server's CA; its certificate names 127.0.0.1, the address behind the ClusterIP.
      { host, port: 443, path: '/version', ca, headers: { authorization: `Bearer ${token}` }, agent: false, checkServerIdentity: (_host, cert) => checkServerIdentity('127.0.0.1', cert) },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
