import t from 'tap';
import type { Pod, Service } from '../../control/api/index.ts';
import { linkedServices, serviceLinkEnv } from '../../control/agent/service-links.ts';

function svc(namespace: string, name: string, spec: Service['spec']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, uid: `${namespace}-${name}`, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' }, spec };
}

function pod(namespace: string, enableServiceLinks?: boolean): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace, uid: 'u', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'c', image: 'x' }], ...(enableServiceLinks === undefined ? {} : { enableServiceLinks }) },
  };
}

const KUBERNETES = svc('default', 'kubernetes', { clusterIP: '127.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] });
const REDIS = svc('shop', 'redis-master', { clusterIP: '127.96.0.11', ports: [{ port: 6379 }] });
const MULTI = svc('shop', 'web', { clusterIP: '127.96.0.12', ports: [{ name: 'http', port: 80 }, { name: 'dns-udp', port: 53, protocol: 'UDP' }] });
const HEADLESS = svc('shop', 'db', { clusterIP: 'None', ports: [{ port: 5432 }] });
const EXTERNAL = svc('shop', 'ext', { type: 'ExternalName', externalName: 'example.com', ports: [{ port: 80 }] });
const OTHER_NS = svc('other', 'cache', { clusterIP: '127.96.0.13', ports: [{ port: 11211 }] });
const ALL = [KUBERNETES, REDIS, MULTI, HEADLESS, EXTERNAL, OTHER_NS];

const names = (services: Service[]) => services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort();

t.test('which Services a pod links to', (t) => {
  t.same(names(linkedServices(pod('shop'), ALL)), ['default/kubernetes', 'shop/redis-master', 'shop/web'], 'own namespace + kubernetes; no headless, ExternalName or other namespaces');
  t.same(names(linkedServices(pod('shop', false), ALL)), ['default/kubernetes'], 'enableServiceLinks: false keeps only kubernetes');
  const own = svc('shop', 'kubernetes', { clusterIP: '127.96.0.99', ports: [{ port: 1 }] });
  t.same(linkedServices(pod('shop'), [KUBERNETES, own]).map((s) => s.spec?.clusterIP), ['127.96.0.99'], "the namespace's own kubernetes Service wins");
  t.same(linkedServices(pod('shop', false), [own, KUBERNETES]).map((s) => s.spec?.clusterIP), ['127.96.0.1']);
  t.end();
});

t.test('variables follow the kubelet (redis-master example of the Kubernetes docs)', (t) => {
  t.same(serviceLinkEnv([REDIS]), {
    REDIS_MASTER_SERVICE_HOST: '127.96.0.11',
    REDIS_MASTER_SERVICE_PORT: '6379',
    REDIS_MASTER_PORT: 'tcp://127.96.0.11:6379',
    REDIS_MASTER_PORT_6379_TCP: 'tcp://127.96.0.11:6379',
    REDIS_MASTER_PORT_6379_TCP_PROTO: 'tcp',
    REDIS_MASTER_PORT_6379_TCP_PORT: '6379',
    REDIS_MASTER_PORT_6379_TCP_ADDR: '127.96.0.11',
  });
  const multi = serviceLinkEnv([MULTI]);
  t.equal(multi.WEB_SERVICE_PORT, '80', 'the first port is _SERVICE_PORT');
  t.equal(multi.WEB_SERVICE_PORT_HTTP, '80');
  t.equal(multi.WEB_SERVICE_PORT_DNS_UDP, '53', 'port names upper-cased, - → _');
  t.equal(multi.WEB_PORT, 'tcp://127.96.0.12:80', 'only the first port sets _PORT');
  t.equal(multi.WEB_PORT_53_UDP, 'udp://127.96.0.12:53');
  t.equal(multi.WEB_PORT_53_UDP_PROTO, 'udp');
  t.same(serviceLinkEnv([HEADLESS, EXTERNAL]), {}, 'no ClusterIP, no variables');
  t.end();
});
