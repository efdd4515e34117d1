// NetworkPolicy semantics as Kubernetes documents them: a pod no policy
// selects is open; selected pods allow only what a rule allows; rules are
// additive; from/to peers are podSelector (policy's namespace),
// namespaceSelector, both together (AND), or ipBlock with except; ports by
// number, name or range; policyTypes default from the spec.

import t from 'tap';
import type { NetworkPolicy, NetworkPolicySpec, Pod } from '../../control/api/index.ts';
import { NetworkPolicyIndex, cidrContains, policyTypesOf } from '../../control/api/index.ts';

const meta = (name: string, namespace = 'default', labels: Record<string, string> = {}) => ({
  name, namespace, labels, uid: name, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z',
});

function pod(name: string, ip: string, labels: Record<string, string>, namespace = 'default', ports: { name: string; containerPort: number }[] = []): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta(name, namespace, labels), spec: { containers: [{ name: 'c', ports }] }, status: { phase: 'Running', podIP: ip } };
}

function policy(name: string, spec: NetworkPolicySpec, namespace = 'default'): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta(name, namespace), spec };
}

const namespaces = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { ...meta('default', undefined), namespace: undefined } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { ...meta('prod', undefined, { team: 'a' }), namespace: undefined } },
];

const pods = [
  pod('web', '10.244.1.2', { app: 'web' }, 'default', [{ name: 'http', containerPort: 8080 }]),
  pod('db', '10.244.1.3', { app: 'db' }),
  pod('client', '10.244.2.2', { app: 'client' }),
  pod('prod-client', '10.244.2.3', { app: 'client' }, 'prod'),
];

function allowed(policies: NetworkPolicy[], from: string, to: string, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): boolean {
  const index = new NetworkPolicyIndex(policies, pods, namespaces);
  return index.verdict(index.connection(from, to, port, protocol)).allowed;
}

t.test('no policy: everything passes; default-deny ingress blocks every pod of the namespace', async (t) => {
  t.ok(allowed([], '10.244.2.2', '10.244.1.2', 8080));
  const deny = policy('default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
  t.notOk(allowed([deny], '10.244.2.2', '10.244.1.2', 8080), 'pod to pod denied');
  t.notOk(allowed([deny], '127.0.0.1', '10.244.1.2', 8080), 'non-pod source denied');
  t.ok(allowed([deny], '10.244.1.2', '10.244.2.3', 80), 'a pod in another namespace is not selected');
  t.ok(allowed([deny], '10.244.1.2', '127.0.0.9', 80), 'egress is not restricted by an Ingress policy');
});

t.test('an allow rule adds to a default deny: podSelector, ports by number, name and range', async (t) => {
  const deny = policy('deny', { podSelector: {}, policyTypes: ['Ingress'] });
  const allowClient = policy('allow-client', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 'http' }] }] });
  t.ok(allowed([deny, allowClient], '10.244.2.2', '10.244.1.2', 8080), 'client → web:http');
  t.notOk(allowed([deny, allowClient], '10.244.2.2', '10.244.1.2', 9090), 'another port stays denied');
  t.notOk(allowed([deny, allowClient], '10.244.2.2', '10.244.1.2', 8080, 'UDP'), 'another protocol stays denied');
  t.notOk(allowed([deny, allowClient], '10.244.1.3', '10.244.1.2', 8080), 'db is not a client');
  t.notOk(allowed([deny, allowClient], '10.244.2.3', '10.244.1.2', 8080), 'podSelector alone means the policy namespace');
  t.notOk(allowed([deny, allowClient], '10.244.2.2', '10.244.1.3', 8080), 'db is still covered by the deny');
  const range = policy('range', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ ports: [{ port: 5000, endPort: 5010 }] }] });
  t.ok(allowed([range], '10.244.2.2', '10.244.1.3', 5005));
  t.notOk(allowed([range], '10.244.2.2', '10.244.1.3', 5011));
});

t.test('namespaceSelector alone, together with podSelector (AND), and ipBlock with except', async (t) => {
  const fromTeam = policy('team', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } } }] }] });
  t.ok(allowed([fromTeam], '10.244.2.3', '10.244.1.2', 8080), 'pod in a labelled namespace');
  t.notOk(allowed([fromTeam], '10.244.2.2', '10.244.1.2', 8080), 'pod in default is not');
  const byName = policy('by-name', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'prod' } }, podSelector: { matchLabels: { app: 'nope' } } }] }] });
  t.notOk(allowed([byName], '10.244.2.3', '10.244.1.2', 8080), 'both selectors must match');
  const block = policy('block', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.2.0/24'] } }] }] });
  t.ok(allowed([block], '10.244.1.3', '10.244.1.2', 8080));
  t.notOk(allowed([block], '10.244.2.2', '10.244.1.2', 8080), 'except carves out a range');
  t.ok(cidrContains('0.0.0.0/0', '8.8.8.8'));
  t.notOk(cidrContains('10.0.0.0/8', 'not-an-ip'));
});

t.test('egress: policyTypes defaults, default-deny egress, and both ends must allow', async (t) => {
  t.same(policyTypesOf({ podSelector: {} }), ['Ingress']);
  t.same(policyTypesOf({ podSelector: {}, egress: [{}] }), ['Ingress', 'Egress']);
  const denyEgress = policy('deny-egress', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'] });
  t.notOk(allowed([denyEgress], '10.244.2.2', '10.244.1.2', 8080), 'client cannot connect out');
  t.ok(allowed([denyEgress], '10.244.1.3', '10.244.1.2', 8080), 'others can');
  const toWeb = policy('to-web', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }] }] });
  t.ok(allowed([denyEgress, toWeb], '10.244.2.2', '10.244.1.2', 8080), 'egress allowed to web');
  const denyWeb = policy('deny-web', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] });
  t.notOk(allowed([toWeb, denyWeb], '10.244.2.2', '10.244.1.2', 8080), 'the destination ingress still applies');
});
