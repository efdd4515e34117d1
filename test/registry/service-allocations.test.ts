// NodePort allocation through the registry (the API's write path), with the
// real overlay allocators behind it.
import t from 'tap';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { SERVICES } from '../../control/api/index.ts';
import type { ObjectInput, Service } from '../../control/api/index.ts';
import { NodePortAllocator, ServiceIpAllocator } from '../../overlay/index.ts';
import { expectApiError } from '../helpers/expect-error.ts';

async function setup() {
  const ips = new ServiceIpAllocator();
  const ports = new NodePortAllocator();
  const registry = createRegistry({
    store: new MemoryStore(),
    serviceIps: { allocate: async (r, n) => ips.allocate(r, n), release: async (ip) => ips.release(ip) },
    nodePorts: { allocate: async (r, f, n) => ports.allocate(r, f, n), release: async (p) => ports.release(p) },
  });
  await registry.ensureNamespaces();
  return { registry, ports };
}

function svc(name: string, spec: Record<string, unknown>): ObjectInput {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ...spec } };
}

const nodePorts = (s: Service) => (s.spec?.ports ?? []).map((p) => p.nodePort);

t.test('NodePort and LoadBalancer Services get a nodePort per port at create; ClusterIP ones none', async (t) => {
  const { registry, ports } = await setup();
  const np = await registry.create<Service>(SERVICES, svc('np', { type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'admin', port: 81 }] }));
  for (const p of nodePorts(np)) t.ok(p !== undefined && p >= 30000 && p <= 32767, `nodePort ${p} allocated`);
  t.not(nodePorts(np)[0], nodePorts(np)[1]);
  const lb = await registry.create<Service>(SERVICES, svc('lb', { type: 'LoadBalancer', ports: [{ port: 80 }] }));
  t.ok(nodePorts(lb)[0], 'LoadBalancer gets a nodePort');
  t.equal((lb.spec as { allocateLoadBalancerNodePorts?: boolean }).allocateLoadBalancerNodePorts, true, 'defaulted to true');
  const lbNoPorts = await registry.create<Service>(SERVICES, svc('lb2', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80 }] }));
  t.same(nodePorts(lbNoPorts), [undefined], 'allocateLoadBalancerNodePorts: false → none');
  const plain = await registry.create<Service>(SERVICES, svc('plain', { ports: [{ port: 80 }] }));
  t.same(nodePorts(plain), [undefined]);
  t.equal(ports.allocatedCount, 3);
});

t.test('a duplicate or out-of-range nodePort is a 422 naming the field; nothing leaks', async (t) => {
  const { registry, ports } = await setup();
  await registry.create(SERVICES, svc('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
  const dup = await expectApiError(registry.create(SERVICES, svc('b', { type: 'NodePort', ports: [{ name: 'a', port: 81 }, { name: 'b', port: 80, nodePort: 30080 }] })), 'Invalid');
  t.equal(dup.httpStatus, 422);
  t.equal(dup.details?.causes?.[0]?.field, 'spec.ports[1].nodePort');
  t.match(dup.details?.causes?.[0]?.message, /provided port is already allocated/);
  const range = await expectApiError(registry.create(SERVICES, svc('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] })), 'Invalid');
  t.match(range.details?.causes?.[0]?.message, /provided port is not in the valid range\. The range of valid ports is 30000-32767/);
  t.equal(ports.allocatedCount, 1, 'the failed creates released the ports they took');
  const forbidden = await expectApiError(registry.create(SERVICES, svc('d', { ports: [{ port: 80, nodePort: 30081 }] })), 'Invalid');
  t.equal(forbidden.details?.causes?.[0]?.field, 'spec.ports[0].nodePort');
  t.match(forbidden.details?.causes?.[0]?.message, /may not be used when `type` is 'ClusterIP'/);
});

t.test('update keeps nodePorts left out, releases them on type change and on delete', async (t) => {
  const { registry, ports } = await setup();
  const created = await registry.create<Service>(SERVICES, svc('web', { type: 'NodePort', ports: [{ port: 80 }] }));
  const held = nodePorts(created)[0]!;
  // A client that does not echo nodePort back (kubectl apply of the original manifest).
  const updated = await registry.update<Service>(SERVICES, { ...svc('web', { type: 'NodePort', ports: [{ port: 80 }] }) });
  t.equal(nodePorts(updated)[0], held, 'kept across an update that omits it');
  const moved = await registry.update<Service>(SERVICES, svc('web', { type: 'NodePort', ports: [{ port: 80, nodePort: 31000 }] }));
  t.equal(nodePorts(moved)[0], 31000);
  t.notOk(ports.isAllocated(held), 'the old port is released when the user picks another');
  const asClusterIp = await registry.update<Service>(SERVICES, { ...moved, spec: { ...moved.spec, type: 'ClusterIP' } });
  t.same(nodePorts(asClusterIp), [undefined], 'type ClusterIP drops the nodePort');
  t.notOk(ports.isAllocated(31000), 'and releases it');
  const back = await registry.update<Service>(SERVICES, { ...asClusterIp, spec: { ...asClusterIp.spec, type: 'LoadBalancer' } });
  const lbPort = nodePorts(back)[0]!;
  t.ok(ports.isAllocated(lbPort), 'type LoadBalancer allocates again');
  const lbToClusterIp = await registry.update<Service>(SERVICES, { ...back, spec: { ...back.spec, type: 'ClusterIP' } });
  t.equal((lbToClusterIp.spec as { allocateLoadBalancerNodePorts?: boolean }).allocateLoadBalancerNodePorts, undefined, 'allocateLoadBalancerNodePorts dropped with the type');
  t.notOk(ports.isAllocated(lbPort), 'LoadBalancer → ClusterIP releases the nodePort');
  await registry.update<Service>(SERVICES, { ...lbToClusterIp, spec: { ...lbToClusterIp.spec, type: 'NodePort' } });
  await registry.delete(SERVICES, 'default', 'web');
  t.equal(ports.allocatedCount, 0, 'delete releases');
  // A conflicting update leaves the allocator as it was.
  await registry.create(SERVICES, svc('x', { type: 'NodePort', ports: [{ port: 80, nodePort: 30500 }] }));
  const y = await registry.create<Service>(SERVICES, svc('y', { type: 'NodePort', ports: [{ port: 80 }] }));
  await expectApiError(registry.update(SERVICES, { ...y, spec: { ...y.spec, ports: [{ port: 80, nodePort: 30500 }] } }), 'Invalid');
  t.ok(ports.isAllocated(nodePorts(y)[0]!), 'y keeps its port after the rejected update');
  t.equal(ports.allocatedCount, 2);
});
