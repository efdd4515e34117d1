// `meshlet analyze`: istioctl-analyze style checks over a set of objects
// (from files and/or the cluster), each finding with Istio's code and the
// file / field it points at.
//
//   IST0101 ReferencedResourceNotFound  VirtualService host with no Service or
//           ServiceEntry; destination host not found; subset no DestinationRule defines
//   IST0173 DestinationRuleSubsetNotSelectPods  a subset selecting none of the
//           service's workloads (checked only when the inputs hold workloads of that service)
//   IST0130 VirtualServiceUnreachableRule  a rule after a catch-all, or a match
//           block identical to an earlier one
//
// and the Kubernetes-side relationships (KUBE1xxx) in analyze-workloads.ts.

import type { KubeObject, Labels, Service } from '../../control/api/index.ts';
import { matchesLabels } from '../../control/api/index.ts';
import type { DestinationRule, HTTPMatchRequest, ServiceEntry, VirtualService } from '../../control/api/istio.ts';
import { CLUSTER_DOMAIN } from '../config/identity.ts';
import { qualifyHost } from '../config/hosts.ts';
import { findDestinationRule } from '../config/policy.ts';
import { vsGateways, MESH_GATEWAY } from '../config/gateways.ts';
import { ruleLabel } from './rule-label.ts';
import { analyzeWorkloads } from './analyze-workloads.ts';

export interface AnalyzeInput {
  object: KubeObject;
  file?: string;
  /** First line of the object's document in `file`, when known. */
  line?: number;
  /** Line of a field path (`spec.http[1].route[0].destination.subset`) in `file`, when the reader kept positions. */
  locate?: (field: string) => number | undefined;
}

export interface Finding {
  code: 'IST0101' | 'IST0130' | 'IST0173' | 'KUBE1001' | 'KUBE1002' | 'KUBE1003' | 'KUBE1004' | 'KUBE1005';
  name:
    | 'ReferencedResourceNotFound' | 'VirtualServiceUnreachableRule' | 'DestinationRuleSubsetNotSelectPods'
    | 'ServiceSelectsNoPods' | 'TargetPortNotDeclared' | 'SelectorDoesNotMatchTemplate' | 'ReferencedServiceNotFound' | 'SelectorSelectsNothing';
  level: 'Error' | 'Warning' | 'Info';
  /** `VirtualService default/reviews` */
  resource: string;
  message: string;
  file?: string;
  line?: number;
  /** Field path inside the object, e.g. `spec.http[0].route[1].destination.subset`. */
  field?: string;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

interface Workload {
  namespace: string;
  labels: Labels;
}

function nsOf(o: KubeObject): string {
  return o.metadata.namespace ?? 'default';
}

export function analyzeMesh(inputs: readonly AnalyzeInput[]): Finding[] {
  // Later inputs replace earlier ones with the same kind/namespace/name (as `kubectl apply` would).
  const byKey = new Map<string, AnalyzeInput>();
  for (const i of inputs) byKey.set(`${i.object.kind}/${nsOf(i.object)}/${i.object.metadata.name}`, i);
  const all = [...byKey.values()];
  type Source<T> = { object: T; file?: string; line?: number; locate?: (field: string) => number | undefined };
  const of = <T extends KubeObject>(kind: string): Source<T>[] => all.filter((i) => i.object.kind === kind) as Source<T>[];

  const services = of<Service>('Service');
  const entries = of<ServiceEntry>('ServiceEntry');
  const rules = of<DestinationRule>('DestinationRule');
  const virtualServices = of<VirtualService>('VirtualService');
  const workloads: Workload[] = [];
  for (const i of all) {
    if (i.object.kind === 'Pod') workloads.push({ namespace: nsOf(i.object), labels: i.object.metadata.labels ?? {} });
    else if (WORKLOAD_KINDS.has(i.object.kind)) {
      const tpl = (i.object.spec as { template?: { metadata?: { labels?: Labels } } } | undefined)?.template;
      workloads.push({ namespace: nsOf(i.object), labels: tpl?.metadata?.labels ?? {} });
    }
  }

  const serviceHosts = new Map<string, Service>();
  for (const s of services) serviceHosts.set(`${s.object.metadata.name}.${nsOf(s.object)}.svc.${CLUSTER_DOMAIN}`, s.object);
  const entryHosts = new Set<string>();
  for (const e of entries) for (const h of e.object.spec?.hosts ?? []) entryHosts.add(h.toLowerCase());
  const hostKnown = (host: string, ns: string): boolean => entryHosts.has(host.toLowerCase()) || serviceHosts.has(qualifyHost(host, ns));

  const findings: Finding[] = [];
  const add = (f: Omit<Finding, 'file' | 'line'>, src: { file?: string; line?: number; locate?: (field: string) => number | undefined }): void => {
    const line = (f.field !== undefined ? src.locate?.(f.field) : undefined) ?? src.line;
    findings.push({ ...f, ...(src.file ? { file: src.file } : {}), ...(line !== undefined ? { line } : {}) });
  };
  const drObjects = rules.map((r) => r.object);

  for (const src of virtualServices) {
    const vs = src.object;
    const ns = nsOf(vs);
    const resource = `VirtualService ${ns}/${vs.metadata.name}`;
    const meshBound = vsGateways(vs).includes(MESH_GATEWAY);
    (vs.spec?.hosts ?? []).forEach((h, i) => {
      if (!meshBound || h.startsWith('*') || hostKnown(h, ns)) return;
      add({ code: 'IST0101', name: 'ReferencedResourceNotFound', level: 'Error', resource, field: `spec.hosts[${i}]`, message: `VirtualService host "${h}" has no Service or ServiceEntry (looked for ${qualifyHost(h, ns)})` }, src);
    });
    const checkDestination = (d: { host: string; subset?: string } | undefined, field: string): void => {
      if (!d) return;
      if (!hostKnown(d.host, ns)) {
        add({ code: 'IST0101', name: 'ReferencedResourceNotFound', level: 'Error', resource, field: `${field}.host`, message: `Referenced host not found: "${d.host}"` }, src);
        return;
      }
      if (!d.subset) return;
      const fqdn = entryHosts.has(d.host.toLowerCase()) ? d.host.toLowerCase() : qualifyHost(d.host, ns);
      const svcNs = serviceHosts.get(fqdn)?.metadata.namespace ?? ns;
      const dr = findDestinationRule(drObjects, fqdn, ns, svcNs);
      if (!dr?.spec?.subsets?.some((s) => s.name === d.subset)) {
        add({ code: 'IST0101', name: 'ReferencedResourceNotFound', level: 'Error', resource, field: `${field}.subset`, message: `Referenced host+subset in destinationrule not found: "${d.host}+${d.subset}"` }, src);
      }
    };
    (vs.spec?.http ?? []).forEach((r, i) => {
      (r.route ?? []).forEach((d, j) => checkDestination(d.destination, `spec.http[${i}].route[${j}].destination`));
      if (r.mirror) checkDestination(r.mirror, `spec.http[${i}].mirror`);
      (r.mirrors ?? []).forEach((m, j) => checkDestination(m.destination, `spec.http[${i}].mirrors[${j}].destination`));
    });
    (vs.spec?.tcp ?? []).forEach((r, i) => (r.route ?? []).forEach((d, j) => checkDestination(d.destination, `spec.tcp[${i}].route[${j}].destination`)));
    unreachableRules(vs, resource, (f) => add(f, src));
  }

  for (const src of rules) {
    const dr = src.object;
    const ns = nsOf(dr);
    const fqdn = qualifyHost(dr.spec?.host ?? '', ns);
    const svc = serviceHosts.get(fqdn);
    const selector = svc?.spec?.selector;
    if (!svc || !selector || Object.keys(selector).length === 0) continue;
    const svcNs = nsOf(svc);
    const backing = workloads.filter((w) => w.namespace === svcNs && matchesLabels(w.labels, selector));
    if (backing.length === 0) continue;
    (dr.spec?.subsets ?? []).forEach((s, i) => {
      const labels = s.labels ?? {};
      if (backing.some((w) => Object.entries(labels).every(([k, v]) => w.labels[k] === v))) return;
      add({
        code: 'IST0173',
        name: 'DestinationRuleSubsetNotSelectPods',
        level: 'Warning',
        resource: `DestinationRule ${ns}/${dr.metadata.name}`,
        field: `spec.subsets[${i}]`,
        message: `The Subset ${s.name} defined in the DestinationRule does not select any pods.`,
      }, src);
    });
  }
  analyzeWorkloads(all, add);
  return findings;
}

function isCatchAll(block: HTTPMatchRequest): boolean {
  const keys = Object.keys(block).filter((k) => k !== 'name' && k !== 'gateways' && k !== 'ignoreUriCase');
  if (keys.length === 0) return true;
  return keys.length === 1 && keys[0] === 'uri' && block.uri?.prefix === '/';
}

function canonical(block: HTTPMatchRequest): string {
  const { name: _name, ...rest } = block;
  const sort = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sort(x)]))
      : v;
  return JSON.stringify(sort(rest));
}

function unreachableRules(vs: VirtualService, resource: string, add: (f: Omit<Finding, 'file' | 'line'>) => void): void {
  const http = vs.spec?.http ?? [];
  let catchAllAt = -1;
  const seen = new Map<string, string>();
  http.forEach((rule, i) => {
    if (catchAllAt >= 0) {
      add({
        code: 'IST0130',
        name: 'VirtualServiceUnreachableRule',
        level: 'Warning',
        resource,
        field: `spec.http[${i}]`,
        message: `VirtualService rule ${ruleLabel(i, rule.name)} not used (rule ${ruleLabel(catchAllAt, http[catchAllAt]?.name)} matches every request; only the last rule can have no matches).`,
      });
      return;
    }
    const matches = rule.match ?? [];
    if (matches.length === 0 || matches.some(isCatchAll)) catchAllAt = i;
    matches.forEach((m, j) => {
      const key = canonical(m);
      const earlier = seen.get(key);
      if (earlier) {
        add({
          code: 'IST0130',
          name: 'VirtualServiceUnreachableRule',
          level: 'Warning',
          resource,
          field: `spec.http[${i}].match[${j}]`,
          message: `VirtualService rule ${ruleLabel(i, rule.name)} match #${j}${m.name ? ` "${m.name}"` : ''} not used (identical to ${earlier}).`,
        });
      } else {
        seen.set(key, `rule ${ruleLabel(i, rule.name)} match #${j}${m.name ? ` "${m.name}"` : ''}`);
      }
    });
  });
}

export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return '✔ No validation issues found.\n';
  return findings
    .map((f) => `${f.level} [${f.code}] (${f.resource}${f.file ? ` ${f.file}${f.line !== undefined ? `:${f.line}` : ''}` : ''}${f.field ? ` ${f.field}` : ''}) ${f.message}`)
    .join('\n') + '\n';
}
