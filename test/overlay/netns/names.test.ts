// Names and inputs are checked before any command runs: every namespace name
// carries the cluster prefix, link names fit IFNAMSIZ, and nothing a user
// controls can become an iproute2 keyword or another cluster's prefix.

import t from 'tap';
import { checkHostAddress, parseNetnsCidr } from '../../../overlay/netns/addresses.ts';
import {
  clusterPrefix, nodeNetnsName, podNetnsName, podVethName, rackBridgeName, routerNetnsName, underlayPortName,
} from '../../../overlay/netns/names.ts';

t.test('namespace names carry the ml-<clusterId>- prefix', async (t) => {
  t.equal(clusterPrefix('c1'), 'ml-c1-');
  t.equal(routerNetnsName('c1'), 'ml-c1-router');
  t.equal(nodeNetnsName('c1', 'node-1'), 'ml-c1-node-node-1');
  t.equal(podNetnsName('c1', { namespace: 'default', name: 'web-0.v1' }), 'ml-c1-pod-default_web-0.v1');
  t.not(podNetnsName('c1', { namespace: 'a-b', name: 'c' }), podNetnsName('c1', { namespace: 'a', name: 'b-c' }), 'namespace/name pairs never collide');
  t.notOk(nodeNetnsName('c1x', 'n').startsWith(clusterPrefix('c1')), 'one cluster\'s prefix is never a prefix of another\'s');
});

t.test('link names fit in 15 characters and are stable', async (t) => {
  const veth = podVethName({ namespace: 'default', name: 'a'.repeat(200) });
  t.match(veth, /^veth[0-9a-f]{8}$/);
  t.equal(veth, podVethName({ namespace: 'default', name: 'a'.repeat(200) }), 'the same pod always gets the same veth');
  t.not(podVethName({ namespace: 'default', name: 'a' }), podVethName({ namespace: 'default', name: 'b' }));
  t.match(underlayPortName('node-with-a-long-name.example.com'), /^ul[0-9a-f]{8}$/);
  t.ok(rackBridgeName('abcdefghij').length <= 15);
});

const invalid: [string, () => unknown, RegExp][] = [
  ['a cluster id with a dash', () => clusterPrefix('a-b'), /clusterId "a-b" is invalid/],
  ['an empty cluster id', () => clusterPrefix(''), /clusterId "" is invalid/],
  ['a cluster id that is too long', () => clusterPrefix('a'.repeat(17)), /clusterId "a{17}" is invalid/],
  ['a node name with a space (an ip keyword could follow)', () => nodeNetnsName('c1', 'n1 type veth'), /nodeName "n1 type veth" is invalid: must be a DNS-1123 subdomain/],
  ['a node name with a slash', () => nodeNetnsName('c1', '../etc'), /nodeName "..\/etc" is invalid/],
  ['a pod namespace with a dot', () => podNetnsName('c1', { namespace: 'a.b', name: 'p' }), /pod namespace "a.b" is invalid: must be a DNS-1123 label/],
  ['an upper-case pod name', () => podNetnsName('c1', { namespace: 'default', name: 'Web' }), /pod name "Web" is invalid/],
  ['a pod name that makes the namespace name too long', () => podNetnsName('c1', { namespace: 'default', name: 'a'.repeat(253) }), /at most 200/],
  ['a rack name that cannot fit a link name', () => rackBridgeName('abcdefghijk'), /rack name "abcdefghijk" is invalid/],
  ['a podCIDR with host bits', () => parseNetnsCidr('10.244.1.1/24', 'podCidr'), /podCidr "10.244.1.1\/24" is not an IPv4 network/],
  ['a podCIDR too small for pods', () => parseNetnsCidr('10.244.1.0/31', 'podCidr'), /podCidr "10.244.1.0\/31"/],
  ['a broadcast address as pod IP', () => checkHostAddress('10.244.1.255', parseNetnsCidr('10.244.1.0/24', 'c'), 'ip'), /ip "10.244.1.255" is the network, gateway or broadcast/],
  ['not an address', () => checkHostAddress('10.244.1', parseNetnsCidr('10.244.1.0/24', 'c'), 'ip'), /ip "10.244.1" is not an IPv4 address/],
];

t.test('bad input is refused with MESHLET_NETNS_INPUT and the field', async (t) => {
  for (const [what, call, message] of invalid) {
    t.throws(call, { code: 'MESHLET_NETNS_INPUT', message }, what);
  }
  t.doesNotThrow(() => checkHostAddress('10.244.1.254', parseNetnsCidr('10.244.1.0/24', 'c'), 'ip'), 'the last host address is fine');
});
