// IngressClass defaulting: the class meshlet creates at start
// (ensureDefaultIngressClass: `istio`, controller istio.io/ingress-controller,
// annotated as the default, left alone once it exists) and the
// DefaultIngressClass admission plugin giving class-less Ingresses the default
// — the newest when several are marked — while explicit classes and the legacy
// annotation are kept.

import t from 'tap';
import type { Ingress, IngressClass, ObjectInput } from '../../../control/api/index.ts';
import { INGRESSES, INGRESS_CLASSES, ManualClock } from '../../../control/api/index.ts';
import { ensureDefaultIngressClass } from '../../../control/cluster/default-ingress-class.ts';
import { createRegistry } from '../../../control/registry/index.ts';
import type { Registry } from '../../../control/registry/index.ts';
import { MemoryStore } from '../../../control/store/index.ts';

async function setup(t: Tap.Test, clock = new ManualClock(Date.parse('2026-12-03T10:00:00Z'))): Promise<Registry> {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const registry = createRegistry({ store, clock });
  await registry.ensureNamespaces(['default']);
  return registry;
}

function ingress(name: string, extra: { ingressClassName?: string; annotations?: Record<string, string> } = {}): ObjectInput {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'default', ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: { ...(extra.ingressClassName ? { ingressClassName: extra.ingressClassName } : {}), defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
  };
}

t.test('the default class is created once and kept as the user leaves it', async (t) => {
  const registry = await setup(t);
  await ensureDefaultIngressClass(registry);
  const cls = (await registry.get<IngressClass>(INGRESS_CLASSES, undefined, 'istio'))!;
  t.equal(cls.spec?.controller, 'istio.io/ingress-controller');
  t.equal(cls.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'true');
  await registry.patch(INGRESS_CLASSES, undefined, 'istio', 'merge', { metadata: { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'false' } } });
  await ensureDefaultIngressClass(registry);
  t.equal((await registry.get<IngressClass>(INGRESS_CLASSES, undefined, 'istio'))!.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'false', 'a user\'s change survives');
});

t.test('class-less Ingresses get the default class; explicit and legacy classes are kept', async (t) => {
  const registry = await setup(t);
  const plain = await registry.create<Ingress>(INGRESSES, ingress('before'));
  t.equal(plain.spec?.ingressClassName, undefined, 'no default class yet: left unset');
  await ensureDefaultIngressClass(registry);
  t.equal((await registry.create<Ingress>(INGRESSES, ingress('plain'))).spec?.ingressClassName, 'istio');
  t.equal((await registry.create<Ingress>(INGRESSES, ingress('nginx', { ingressClassName: 'nginx' }))).spec?.ingressClassName, 'nginx');
  const legacy = await registry.create<Ingress>(INGRESSES, ingress('legacy', { annotations: { 'kubernetes.io/ingress.class': 'nginx' } }));
  t.equal(legacy.spec?.ingressClassName, undefined, 'the legacy annotation is a class');
});

t.test('with several defaults the newest wins', async (t) => {
  const clock = new ManualClock(Date.parse('2026-12-03T10:00:00Z'));
  const registry = await setup(t, clock);
  await ensureDefaultIngressClass(registry);
  clock.advance(60_000);
  await registry.create(INGRESS_CLASSES, { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'newer', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'example.com/x' } });
  await registry.create(INGRESS_CLASSES, { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'not-default' }, spec: { controller: 'example.com/y' } });
  t.equal((await registry.create<Ingress>(INGRESSES, ingress('x'))).spec?.ingressClassName, 'newer');
});

import type * as Tap from 'tap';
