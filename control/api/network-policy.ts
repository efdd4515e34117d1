// networking.k8s.io/v1 NetworkPolicy, and the one evaluator of its
// semantics. Whatever enforces policies (the sidecars and the service proxy in
// the process runtime; packet filters in the namespaces runtime) asks
// `networkPolicyVerdict` for a connection's fate, so the rules are written
// once: a pod selected by no policy of a direction is open in that direction;
// once selected, only what some rule allows passes (rules add up; there is no
// deny rule); a connection needs the source's egress and the destination's
// ingress both to allow it.

import type { LabelSelector, Pod } from './kinds.ts';
import { matchesSelector } from './labels.ts';
import type { KubeObject, Labels } from './objects.ts';

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** A number, or a named container port of the destination pod. */
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
}

export type NetworkPolicy = KubeObject<NetworkPolicySpec>;

/** One end of a connection: its IP, and the pod there when it is one. */
export interface PolicyEndpoint {
  ip: string;
  pod?: {
    namespace: string;
    labels: Labels;
    /** Named container ports (`http` → 9080), for rules that name a port. */
    namedPorts?: Readonly<Record<string, number>>;
  };
}

export interface PolicyConnection {
  source: PolicyEndpoint;
  destination: PolicyEndpoint;
  port: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

export interface PolicyInputs {
  policies: readonly NetworkPolicy[];
  /** Namespace labels by name (namespaceSelector matches these; `kubernetes.io/metadata.name` is added). */
  namespaceLabels: (namespace: string) => Labels | undefined;
}

export type NetworkPolicyVerdict = { allowed: true } | { allowed: false; direction: 'ingress' | 'egress'; policies: string[] };

/** policyTypes as the API server defaults them: Ingress always, Egress when egress rules exist. */
export function policyTypesOf(spec: NetworkPolicySpec): ('Ingress' | 'Egress')[] {
  if (spec.policyTypes && spec.policyTypes.length > 0) return spec.policyTypes;
  return spec.egress && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

function ipToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isInteger(v) || v < 0 || v > 255 || p === '') return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** IPv4 CIDR containment; an unparsable CIDR or address contains nothing. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const b = base === undefined ? undefined : ipToNumber(base);
  const a = ipToNumber(ip);
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

function namespaceMatches(selector: LabelSelector, namespace: string, inputs: PolicyInputs): boolean {
  const labels = { ...(inputs.namespaceLabels(namespace) ?? {}), 'kubernetes.io/metadata.name': namespace };
  return matchesSelector(labels, selector);
}

/** Does `peer` (a rule's from/to entry of a policy in `policyNamespace`) match `end`? */
function peerMatches(peer: NetworkPolicyPeer, end: PolicyEndpoint, policyNamespace: string, inputs: PolicyInputs): boolean {
  if (peer.ipBlock) {
    if (!cidrContains(peer.ipBlock.cidr, end.ip)) return false;
    return !(peer.ipBlock.except ?? []).some((c) => cidrContains(c, end.ip));
  }
  if (!end.pod) return false;
  if (peer.namespaceSelector) {
    if (!namespaceMatches(peer.namespaceSelector, end.pod.namespace, inputs)) return false;
  } else if (end.pod.namespace !== policyNamespace) {
    return false;
  }
  return peer.podSelector ? matchesSelector(end.pod.labels, peer.podSelector) : true;
}

function portMatches(ports: readonly NetworkPolicyPort[] | undefined, connection: PolicyConnection): boolean {
  if (!ports || ports.length === 0) return true;
  const protocol = connection.protocol ?? 'TCP';
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') {
      const named = connection.destination.pod?.namedPorts?.[p.port];
      return named === connection.port;
    }
    const end = p.endPort ?? p.port;
    return connection.port >= p.port && connection.port <= end;
  });
}

function peersMatch(peers: readonly NetworkPolicyPeer[] | undefined, end: PolicyEndpoint, policyNamespace: string, inputs: PolicyInputs): boolean {
  if (!peers || peers.length === 0) return true;
  return peers.some((peer) => peerMatches(peer, end, policyNamespace, inputs));
}

const keyOf = (p: NetworkPolicy): string => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

/** The policies of `type` that select the pod at `end` (none when `end` is not a pod). */
export function selectingPolicies(policies: readonly NetworkPolicy[], end: PolicyEndpoint, type: 'Ingress' | 'Egress'): NetworkPolicy[] {
  const pod = end.pod;
  if (!pod) return [];
  return policies.filter(
    (p) => (p.metadata.namespace ?? 'default') === pod.namespace && p.spec !== undefined && policyTypesOf(p.spec).includes(type) && matchesSelector(pod.labels, p.spec.podSelector ?? {}),
  );
}

/** The source pod's side: do its Egress policies (if any select it) allow the connection? */
export function egressVerdict(connection: PolicyConnection, inputs: PolicyInputs): NetworkPolicyVerdict {
  const egress = selectingPolicies(inputs.policies, connection.source, 'Egress');
  if (egress.length === 0) return { allowed: true };
  const allowed = egress.some((p) =>
    (p.spec?.egress ?? []).some((rule) => portMatches(rule.ports, connection) && peersMatch(rule.to, connection.destination, p.metadata.namespace ?? 'default', inputs)),
  );
  return allowed ? { allowed: true } : { allowed: false, direction: 'egress', policies: egress.map(keyOf) };
}

/** The destination pod's side: do its Ingress policies (if any select it) allow the connection? */
export function ingressVerdict(connection: PolicyConnection, inputs: PolicyInputs): NetworkPolicyVerdict {
  const ingress = selectingPolicies(inputs.policies, connection.destination, 'Ingress');
  if (ingress.length === 0) return { allowed: true };
  const allowed = ingress.some((p) =>
    (p.spec?.ingress ?? []).some((rule) => portMatches(rule.ports, connection) && peersMatch(rule.from, connection.source, p.metadata.namespace ?? 'default', inputs)),
  );
  return allowed ? { allowed: true } : { allowed: false, direction: 'ingress', policies: ingress.map(keyOf) };
}

/** Whether NetworkPolicies let `connection` through: the source's egress and the destination's ingress. */
export function networkPolicyVerdict(connection: PolicyConnection, inputs: PolicyInputs): NetworkPolicyVerdict {
  const egress = egressVerdict(connection, inputs);
  return egress.allowed ? ingressVerdict(connection, inputs) : egress;
}

/** The policy view of a pod: namespace, labels and named container ports. */
export function podPolicyEndpoint(pod: Pod, ip: string): PolicyEndpoint {
  const namedPorts: Record<string, number> = {};
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name) namedPorts[p.name] = p.containerPort;
  return { ip, pod: { namespace: pod.metadata.namespace ?? 'default', labels: pod.metadata.labels ?? {}, namedPorts } };
}

/**
 * Policies, pods (by IP) and namespace labels at one moment, ready to judge
 * connections by address. Built once per change of its inputs by whoever
 * enforces; judging is then map lookups plus the selectors of the policies
 * in the two pods' namespaces.
 */
export class NetworkPolicyIndex {
  private readonly podsByIp = new Map<string, Pod>();
  private readonly namespaceLabelsByName = new Map<string, Labels>();
  private readonly inputs: PolicyInputs;

  constructor(policies: readonly NetworkPolicy[], pods: readonly Pod[], namespaces: readonly KubeObject[]) {
    for (const pod of pods) {
      const ip = pod.status?.podIP;
      if (ip && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') this.podsByIp.set(ip, pod);
    }
    for (const ns of namespaces) this.namespaceLabelsByName.set(ns.metadata.name, ns.metadata.labels ?? {});
    this.inputs = { policies, namespaceLabels: (name) => this.namespaceLabelsByName.get(name) };
  }

  /** True when no policy exists at all: enforcers can skip every lookup. */
  get empty(): boolean {
    return this.inputs.policies.length === 0;
  }

  endpoint(ip: string): PolicyEndpoint {
    const pod = this.podsByIp.get(ip);
    return pod ? podPolicyEndpoint(pod, ip) : { ip };
  }

  connection(sourceIp: string, destinationIp: string, port: number, protocol: 'TCP' | 'UDP' | 'SCTP' = 'TCP'): PolicyConnection {
    return { source: this.endpoint(sourceIp), destination: this.endpoint(destinationIp), port, protocol };
  }

  verdict(connection: PolicyConnection): NetworkPolicyVerdict {
    return this.empty ? { allowed: true } : networkPolicyVerdict(connection, this.inputs);
  }

  ingress(connection: PolicyConnection): NetworkPolicyVerdict {
    return this.empty ? { allowed: true } : ingressVerdict(connection, this.inputs);
  }

  egress(connection: PolicyConnection): NetworkPolicyVerdict {
    return this.empty ? { allowed: true } : egressVerdict(connection, this.inputs);
  }
}
