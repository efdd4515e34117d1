// NodePorts on every node's loopback address and LoadBalancer ingress
// addresses, followed from the catalog.
import net from 'node:net';
import t from 'tap';
import type { Node, Service } from '../../../control/api/index.ts';
import { MutableCatalog, startServiceProxy } from '../../../overlay/index.ts';
import { endpoints, service } from '../helpers/fixtures.ts';
import { waitFor } from '../../helpers/wait.ts';

function node(name: string, address: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: name, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' },
    status: { addresses: [{ type: 'InternalIP', address }, { type: 'Hostname', address: name }] },
  };
}

function ask(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    socket.on('close', () => resolve(text.trim() || 'closed-empty'));
  });
}

t.test('NodePorts listen on 127.0.0.1 and each Node InternalIP; LoadBalancer ports on the ingress IP', async (t) => {
  const backend = net.createServer((s) => s.end('backend\n'));
  await new Promise<void>((r) => backend.listen({ host: '127.244.77.2', port: 0 }, r));
  const backendPort = (backend.address() as net.AddressInfo).port;
  t.teardown(() => new Promise<void>((r) => backend.close(() => r())));

  const catalog = new MutableCatalog();
  catalog.upsert(node('node-1', '127.244.77.1'));
  catalog.upsert(node('remote', '10.1.2.3')); // not loopback: never bound
  const nodePort = 30000 + Math.floor(Math.random() * 2700);
  const lb: Service = {
    ...service('web', { type: 'LoadBalancer', clusterIP: '127.111.77.5', ports: [{ name: 'http', port: 8080, nodePort, protocol: 'TCP' }] }),
    status: { loadBalancer: { ingress: [{ ip: '127.215.77.1' }] } },
  };
  catalog.upsert(lb);
  catalog.upsert(endpoints('web', { ready: ['127.244.77.2'], ports: [{ name: 'http', port: backendPort }] }));
  const proxy = await startServiceProxy({ catalog });
  t.teardown(() => proxy.close());

  const want = ['127.111.77.5:8080', `127.0.0.1:${nodePort}`, `127.244.77.1:${nodePort}`, '127.215.77.1:8080'];
  await waitFor('all listeners', () => want.every((a) => proxy.listeners().includes(a)));
  t.notOk(proxy.listeners().some((a) => a.startsWith('10.')), 'non-loopback node addresses are not bound');
  for (const address of want) {
    const [host, port] = address.split(':');
    t.equal(await ask(host!, Number(port)), 'backend', `${address} reaches the endpoint`);
  }

  // A second node appears: its address starts serving; the LB loses its address: that listener closes.
  catalog.upsert(node('node-2', '127.244.78.1'));
  catalog.upsert({ ...lb, status: {} });
  await waitFor('node-2 NodePort and no LB listener', () => proxy.listeners().includes(`127.244.78.1:${nodePort}`) && !proxy.listeners().includes('127.215.77.1:8080'));
  t.equal(await ask('127.244.78.1', nodePort), 'backend');
  t.equal(await ask('127.215.77.1', 8080), 'ECONNREFUSED');
});
