// Names of everything overlay/netns creates. Every network namespace is
// `ml-<clusterId>-…` so teardown can find a cluster's namespaces by prefix
// alone, even after the process that made them was SIGKILLed. Links live inside
// those namespaces and die with them, so their names only need to be unique
// within one namespace (and fit IFNAMSIZ: 15 characters).

import { createHash } from 'node:crypto';
import { NETNS_ERROR_CODES, netnsError } from './errors.ts';

/** The bridge pods attach to, like flannel's `cni0`. */
export const NODE_BRIDGE = 'cni0';
/** The VXLAN device (VTEP), like flannel's `flannel.1` (the suffix is the VNI). */
export const NODE_VTEP = 'flannel.1';
/** The node's underlay link (its "NIC") inside the node namespace. */
export const NODE_UNDERLAY = 'eth0';
/** The pod's end of its veth inside the pod namespace. */
export const POD_INTERFACE = 'eth0';

// No dash in a cluster id: `ml-a-` then never is a prefix of another cluster's `ml-a-b-…`.
const CLUSTER_ID = /^[a-z0-9]{1,16}$/;
// DNS-1123 subdomain characters (node and pod names); namespaces are labels (no dot).
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RACK = /^[a-z0-9]{1,10}$/;
// Files under /run/netns: stay well under NAME_MAX (255).
const MAX_NETNS_NAME = 200;

function check(value: string, pattern: RegExp, what: string, rule: string): void {
  if (!pattern.test(value)) {
    throw netnsError(NETNS_ERROR_CODES.input, `overlay/netns: ${what} "${value}" is invalid: ${rule}`);
  }
}

function bounded(name: string, what: string): string {
  if (name.length > MAX_NETNS_NAME) {
    throw netnsError(NETNS_ERROR_CODES.input, `overlay/netns: ${what} gives a namespace name of ${name.length} characters (at most ${MAX_NETNS_NAME})`);
  }
  return name;
}

export function clusterPrefix(clusterId: string): string {
  check(clusterId, CLUSTER_ID, 'clusterId', 'must be 1-16 characters of [a-z0-9]');
  return `ml-${clusterId}-`;
}

export function routerNetnsName(clusterId: string): string {
  return `${clusterPrefix(clusterId)}router`;
}

export function nodeNetnsName(clusterId: string, nodeName: string): string {
  check(nodeName, SUBDOMAIN, 'nodeName', 'must be a DNS-1123 subdomain');
  return bounded(`${clusterPrefix(clusterId)}node-${nodeName}`, `node "${nodeName}"`);
}

export interface PodRef {
  namespace: string;
  name: string;
}

/** `_` separates namespace and name: it is in neither alphabet, so the mapping is one-to-one. */
export function podNetnsName(clusterId: string, pod: PodRef): string {
  check(pod.namespace, LABEL, 'pod namespace', 'must be a DNS-1123 label');
  check(pod.name, SUBDOMAIN, 'pod name', 'must be a DNS-1123 subdomain');
  return bounded(`${clusterPrefix(clusterId)}pod-${pod.namespace}_${pod.name}`, `pod "${pod.namespace}/${pod.name}"`);
}

export function checkRackName(rack: string): void {
  check(rack, RACK, 'rack name', 'must be 1-10 characters of [a-z0-9]');
}

/** The rack's switch: a bridge in the router namespace. */
export function rackBridgeName(rack: string): string {
  checkRackName(rack);
  return `rack-${rack}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** The node end of a pod's veth, `veth` + 8 hex characters, as CNI plugins name them. */
export function podVethName(pod: PodRef): string {
  return `veth${shortHash(`${pod.namespace}/${pod.name}`)}`;
}

/** The router end of a node's underlay veth (a port on the rack bridge). */
export function underlayPortName(nodeName: string): string {
  return `ul${shortHash(nodeName)}`;
}
