// Which Gateways select a gateway proxy, which VirtualServices bind to them,
// and Kubernetes Ingress rules translated to gateway routes.

import type { Gateway, Ingress, IngressBackend, VirtualService } from '../../control/api/istio.ts';
import type { Labels } from '../../control/api/index.ts';
import { matchesLabels } from '../../control/api/index.ts';
import type { CompiledHttpRoute, GatewayServerInfo } from './table.ts';
import type { ResolveDestination } from './http-routes.ts';
import { DEFAULT_RETRY } from './http-routes.ts';

export const MESH_GATEWAY = 'mesh';

/** `name`, `ns/name` or `name.ns.svc.cluster.local` written in `namespace` → `ns/name` (or `mesh`). */
export function gatewayRef(ref: string, namespace: string): string {
  if (ref === MESH_GATEWAY) return MESH_GATEWAY;
  if (ref.includes('/')) return ref;
  const parts = ref.split('.');
  if (parts.length >= 2) return `${parts[1]}/${parts[0]}`;
  return `${namespace}/${ref}`;
}

/** The gateways a VirtualService applies to; none listed means the mesh (sidecars). */
export function vsGateways(vs: VirtualService): string[] {
  const ns = vs.metadata.namespace ?? 'default';
  const list = vs.spec?.gateways ?? [];
  return list.length === 0 ? [MESH_GATEWAY] : list.map((g) => gatewayRef(g, ns));
}

export function selectedGateways(gateways: readonly Gateway[], labels: Labels): Gateway[] {
  return gateways.filter((g) => g.spec?.selector && Object.keys(g.spec.selector).length > 0 && matchesLabels(labels, g.spec.selector));
}

export function gatewayServers(gateways: readonly Gateway[]): GatewayServerInfo[] {
  const out: GatewayServerInfo[] = [];
  for (const g of gateways) {
    for (const s of g.spec?.servers ?? []) {
      out.push({
        gateway: `${g.metadata.namespace ?? 'default'}/${g.metadata.name}`,
        port: s.port.number,
        protocol: (s.port.protocol ?? 'HTTP').toUpperCase(),
        hosts: s.hosts ?? [],
      });
    }
  }
  return out;
}

export function isHttpProtocol(protocol: string): boolean {
  return ['HTTP', 'HTTP2', 'GRPC', 'HTTPS'].includes(protocol);
}

/** Does a server host (`*`, `ns/host`, `./host`, `*` + `/host`) admit a VirtualService host from `vsNamespace`? */
export function serverHostAdmits(serverHost: string, gatewayNamespace: string, vsNamespace: string, vsHost: string): boolean {
  let ns = '*';
  let host = serverHost;
  const slash = serverHost.indexOf('/');
  if (slash >= 0) {
    ns = serverHost.slice(0, slash);
    host = serverHost.slice(slash + 1);
  }
  if (ns === '.') ns = gatewayNamespace;
  if (ns !== '*' && ns !== vsNamespace) return false;
  const h = host.toLowerCase();
  const v = vsHost.toLowerCase();
  if (h === '*' || v === '*') return true;
  if (h.startsWith('*.')) return v.endsWith(h.slice(1)) || (v.startsWith('*.') && v.endsWith(h.slice(1)));
  if (v.startsWith('*.')) return h.endsWith(v.slice(1));
  return h === v;
}

function backendDestination(backend: IngressBackend | undefined, resolve: ResolveDestination): CompiledHttpRoute['destinations'] {
  const svc = backend?.service;
  if (!svc) return [];
  const d = resolve({ host: svc.name, port: svc.port?.number !== undefined ? { number: svc.port.number } : undefined }, 100);
  return d ? [d] : [];
}

/**
 * Ingress rules → gateway routes. Exact paths come before prefixes and longer
 * prefixes before shorter ones, as the Ingress spec orders them.
 * Prefix `/foo` matches `/foo` and `/foo/...` (path-element semantics).
 */
export function compileIngress(
  ing: Ingress,
  resolveFor: (namespace: string, portName?: string) => ResolveDestination,
): { domains: string[]; routes: CompiledHttpRoute[] }[] {
  const ns = ing.metadata.namespace ?? 'default';
  const origin = `Ingress ${ns}/${ing.metadata.name}`;
  const out: { domains: string[]; routes: CompiledHttpRoute[] }[] = [];
  const mk = (index: number, matches: CompiledHttpRoute['matches'], backend: IngressBackend | undefined): CompiledHttpRoute => ({
    origin,
    ruleIndex: index,
    namespace: ns,
    matches,
    destinations: backendDestination(backend, resolveFor(ns, backend?.service?.port?.name)),
    retry: DEFAULT_RETRY,
    mirrors: [],
  });
  let index = 0;
  for (const rule of ing.spec?.rules ?? []) {
    const paths = [...(rule.http?.paths ?? [])].sort((a, b) => {
      const ea = a.pathType === 'Exact' ? 1 : 0;
      const eb = b.pathType === 'Exact' ? 1 : 0;
      return eb - ea || (b.path ?? '/').length - (a.path ?? '/').length;
    });
    const routes: CompiledHttpRoute[] = [];
    for (const p of paths) {
      const path = p.path ?? '/';
      if (p.pathType === 'Exact') routes.push(mk(index++, [{ uri: { exact: path } }], p.backend));
      else if (path === '/' || path === '') routes.push(mk(index++, [{ uri: { prefix: '/' } }], p.backend));
      else {
        const base = path.replace(/\/+$/, '');
        routes.push(mk(index++, [{ uri: { exact: base } }, { uri: { prefix: `${base}/` } }], p.backend));
      }
    }
    out.push({ domains: [(rule.host ?? '*').toLowerCase()], routes });
  }
  if (ing.spec?.defaultBackend) {
    out.push({ domains: ['*'], routes: [mk(index, [], ing.spec.defaultBackend)] });
  }
  return out;
}
