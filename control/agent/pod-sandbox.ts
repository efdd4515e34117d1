// The pod's own /etc/hosts, /etc/resolv.conf and hostname, as the kubelet
// writes them for a ClusterFirst pod. resolv.conf cannot name a port: when the
// cluster DNS is not on port 53 (meshlet not root, or 53 taken) plain
// resolvers reading it fail, and programs need MESHLET_DNS (the Node.js
// preload uses it).

import type { Pod } from '../api/index.ts';
import type { PodSandboxSpec } from './containers/index.ts';

export interface ClusterDns {
  host: string;
  port: number;
  /** Default cluster.local. */
  zone?: string;
}

/** The hostname the kubelet gives a pod: spec.hostname, else the pod name, cut to 63 characters. */
export function podHostname(pod: Pod): string {
  return (pod.spec?.hostname ?? pod.metadata.name).slice(0, 63).replace(/[-.]+$/, '');
}

export function podSandbox(pod: Pod, podIp: string, dns: ClusterDns): PodSandboxSpec {
  const zone = (dns.zone ?? 'cluster.local').replace(/\.$/, '');
  const namespace = pod.metadata.namespace ?? 'default';
  const hostname = podHostname(pod);
  const subdomain = pod.spec?.subdomain;
  const names = subdomain ? [`${hostname}.${subdomain}.${namespace}.svc.${zone}`, hostname] : [hostname];
  const hosts = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    `${podIp}\t${names.join('\t')}`,
    '',
  ].join('\n');
  const resolvConf = [
    ...(dns.port !== 53 ? [`# The cluster DNS answers on port ${dns.port}, which resolv.conf cannot name: use MESHLET_DNS (${dns.host}:${dns.port}).`] : []),
    `nameserver ${dns.host}`,
    `search ${namespace}.svc.${zone} svc.${zone} ${zone}`,
    'options ndots:5',
    '',
  ].join('\n');
  return { hostname, hosts, resolvConf };
}
