// `meshlet analyze`, the Kubernetes side: the string-label relationships
// between objects that nothing checks until traffic fails. Codes are
// meshlet's own (KUBE1xxx; istioctl has none for these), with the same
// Finding shape and file:line locations as the Istio checks.
//
//   KUBE1001 ServiceSelectsNoPods        a Service selector no pod template matches
//   KUBE1002 TargetPortNotDeclared       a named targetPort no selected container declares
//                                        (Error), or a numeric one none declares (Warning)
//   KUBE1003 SelectorDoesNotMatchTemplate a controller whose selector misses its own template
//   KUBE1004 ReferencedServiceNotFound   an Ingress or HTTPRoute backend naming a missing
//                                        Service or port; IST0101 for a VirtualService port
//   KUBE1005 SelectorSelectsNothing      a NetworkPolicy or PodDisruptionBudget selecting no pods
//
// Checks that need workloads (1001, 1002, 1005) run only when the inputs hold
// some: a file of Services alone says nothing about what will select them.

import type { KubeObject, LabelSelector, Labels, Service, ServicePort } from '../../control/api/index.ts';
import { matchesLabels, matchesSelector } from '../../control/api/index.ts';
import type { Ingress, VirtualService } from '../../control/api/istio.ts';
import { qualifyHost } from '../config/hosts.ts';
import { CLUSTER_DOMAIN } from '../config/identity.ts';
import type { AnalyzeInput, Finding } from './analyze.ts';

type Source = AnalyzeInput;
type Add = (f: Omit<Finding, 'file' | 'line'>, src: Source) => void;

interface Template {
  namespace: string;
  labels: Labels;
  ports: { name?: string; containerPort: number }[];
}

interface PodTemplate {
  metadata?: { labels?: Labels };
  spec?: { containers?: { ports?: { name?: string; containerPort: number }[] }[]; initContainers?: { ports?: { name?: string; containerPort: number }[] }[] };
}

/** Kinds whose spec.template is a pod template, with spec.selector a LabelSelector. */
const CONTROLLERS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

const nsOf = (o: KubeObject): string => o.metadata.namespace ?? 'default';
const ref = (o: KubeObject): string => `${o.kind} ${nsOf(o)}/${o.metadata.name}`;

function podTemplateOf(o: KubeObject): PodTemplate | undefined {
  if (o.kind === 'Pod') return { metadata: o.metadata, spec: o.spec as PodTemplate['spec'] };
  const spec = o.spec as { template?: PodTemplate; jobTemplate?: { spec?: { template?: PodTemplate } } } | undefined;
  if (CONTROLLERS.has(o.kind)) return spec?.template;
  if (o.kind === 'CronJob') return spec?.jobTemplate?.spec?.template;
  return undefined;
}

function templatesOf(inputs: readonly Source[]): Template[] {
  const out: Template[] = [];
  for (const { object } of inputs) {
    const tpl = podTemplateOf(object);
    if (!tpl) continue;
    const containers = [...(tpl.spec?.containers ?? []), ...(tpl.spec?.initContainers ?? [])];
    out.push({ namespace: nsOf(object), labels: tpl.metadata?.labels ?? {}, ports: containers.flatMap((c) => c.ports ?? []) });
  }
  return out;
}

function checkServices(services: readonly Source[], templates: readonly Template[], add: Add): void {
  if (templates.length === 0) return;
  for (const src of services) {
    const svc = src.object as Service;
    const selector = svc.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) continue;
    const backing = templates.filter((w) => w.namespace === nsOf(svc) && matchesLabels(w.labels, selector));
    if (backing.length === 0) {
      const text = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
      add({ code: 'KUBE1001', name: 'ServiceSelectsNoPods', level: 'Warning', resource: ref(svc), field: 'spec.selector', message: `Service selector ${text} matches no pod template in namespace ${nsOf(svc)}` }, src);
      continue;
    }
    const declared = backing.flatMap((w) => w.ports);
    (svc.spec?.ports ?? []).forEach((p: ServicePort, i) => {
      const target = p.targetPort ?? p.port;
      if (typeof target === 'string' && !/^\d+$/.test(target)) {
        if (!declared.some((d) => d.name === target)) {
          add({ code: 'KUBE1002', name: 'TargetPortNotDeclared', level: 'Error', resource: ref(svc), field: `spec.ports[${i}].targetPort`, message: `targetPort "${target}" is not a port name any selected container declares, so the Service has no endpoints on it` }, src);
        }
        return;
      }
      const number = Number(target);
      if (declared.length > 0 && !declared.some((d) => d.containerPort === number)) {
        add({ code: 'KUBE1002', name: 'TargetPortNotDeclared', level: 'Warning', resource: ref(svc), field: `spec.ports[${i}]${p.targetPort === undefined ? '.port' : '.targetPort'}`, message: `no selected container declares port ${number} (declared: ${[...new Set(declared.map((d) => d.containerPort))].join(', ')})` }, src);
      }
    });
  }
}

function checkControllers(inputs: readonly Source[], add: Add): void {
  for (const src of inputs) {
    const o = src.object;
    if (!CONTROLLERS.has(o.kind)) continue;
    const spec = o.spec as { selector?: LabelSelector; template?: PodTemplate } | undefined;
    if (!spec?.selector) continue;
    const labels = spec.template?.metadata?.labels ?? {};
    if (!matchesSelector(labels, spec.selector)) {
      add({ code: 'KUBE1003', name: 'SelectorDoesNotMatchTemplate', level: 'Error', resource: ref(o), field: 'spec.selector', message: `selector does not match template labels (${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') || 'none'}); the API server rejects it` }, src);
    }
  }
}

type PortRef = { number?: number; name?: string };

function servicePortMissing(svc: Service, port: PortRef | undefined): boolean {
  if (!port || (port.number === undefined && port.name === undefined)) return false;
  const ports = svc.spec?.ports ?? [];
  return port.number !== undefined ? !ports.some((p) => p.port === port.number) : !ports.some((p) => p.name === port.name);
}

function checkBackends(inputs: readonly Source[], services: ReadonlyMap<string, Service>, add: Add): void {
  const backend = (src: Source, ns: string, name: string | undefined, port: PortRef | undefined, field: string, portField: string): void => {
    if (!name) return;
    const svc = services.get(`${ns}/${name}`);
    if (!svc) {
      add({ code: 'KUBE1004', name: 'ReferencedServiceNotFound', level: 'Error', resource: ref(src.object), field, message: `backend Service "${name}" not found in namespace ${ns}` }, src);
    } else if (servicePortMissing(svc, port)) {
      add({ code: 'KUBE1004', name: 'ReferencedServiceNotFound', level: 'Error', resource: ref(src.object), field: portField, message: `Service "${name}" has no port ${port?.number ?? `"${port?.name}"`}` }, src);
    }
  };
  for (const src of inputs) {
    const o = src.object;
    const ns = nsOf(o);
    if (o.kind === 'Ingress') {
      const spec = (o as Ingress).spec;
      const def = spec?.defaultBackend?.service;
      if (def) backend(src, ns, def.name, def.port, 'spec.defaultBackend.service.name', 'spec.defaultBackend.service.port');
      (spec?.rules ?? []).forEach((r, i) => (r.http?.paths ?? []).forEach((p, j) => {
        const at = `spec.rules[${i}].http.paths[${j}].backend.service`;
        backend(src, ns, p.backend.service?.name, p.backend.service?.port, `${at}.name`, `${at}.port`);
      }));
    } else if (o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute') {
      const rules = (o.spec as { rules?: { backendRefs?: { group?: string; kind?: string; name: string; namespace?: string; port?: number }[] }[] } | undefined)?.rules ?? [];
      rules.forEach((r, i) => (r.backendRefs ?? []).forEach((b, j) => {
        if ((b.kind ?? 'Service') !== 'Service' || (b.group ?? '') !== '') return;
        backend(src, b.namespace ?? ns, b.name, b.port === undefined ? undefined : { number: b.port }, `spec.rules[${i}].backendRefs[${j}].name`, `spec.rules[${i}].backendRefs[${j}].port`);
      }));
    } else if (o.kind === 'VirtualService') {
      const vs = o as VirtualService;
      (vs.spec?.http ?? []).forEach((r, i) => (r.route ?? []).forEach((d, j) => {
        const number = d.destination?.port?.number;
        if (!d.destination || number === undefined) return;
        const fqdn = qualifyHost(d.destination.host, ns);
        const m = fqdn.match(new RegExp(`^([^.]+)\\.([^.]+)\\.svc\\.${CLUSTER_DOMAIN.replace('.', '\\.')}$`));
        const svc = m ? services.get(`${m[2]}/${m[1]}`) : undefined;
        if (svc && servicePortMissing(svc, { number })) {
          add({ code: 'IST0101', name: 'ReferencedResourceNotFound', level: 'Error', resource: ref(vs), field: `spec.http[${i}].route[${j}].destination.port.number`, message: `Referenced port not found: "${d.destination.host}:${number}" (the Service has ${(svc.spec?.ports ?? []).map((p) => p.port).join(', ')})` }, src);
        }
      }));
    }
  }
}

function checkSelectors(inputs: readonly Source[], templates: readonly Template[], add: Add): void {
  if (templates.length === 0) return;
  for (const src of inputs) {
    const o = src.object;
    const selector = o.kind === 'NetworkPolicy'
      ? (o.spec as { podSelector?: LabelSelector } | undefined)?.podSelector
      : o.kind === 'PodDisruptionBudget' ? (o.spec as { selector?: LabelSelector } | undefined)?.selector : undefined;
    if (!selector) continue;
    const empty = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
    // An empty podSelector means every pod of the namespace, on purpose (default deny).
    if (empty && o.kind === 'NetworkPolicy') continue;
    if (!templates.some((w) => w.namespace === nsOf(o) && matchesSelector(w.labels, selector))) {
      add({ code: 'KUBE1005', name: 'SelectorSelectsNothing', level: 'Warning', resource: ref(o), field: o.kind === 'NetworkPolicy' ? 'spec.podSelector' : 'spec.selector', message: `${o.kind} selects no pod template in namespace ${nsOf(o)}` }, src);
    }
  }
}

/** The Kubernetes-side relationship checks over deduplicated inputs. */
export function analyzeWorkloads(inputs: readonly Source[], add: Add): void {
  const templates = templatesOf(inputs);
  const serviceSources = inputs.filter((i) => i.object.kind === 'Service');
  const services = new Map(serviceSources.map((s) => [`${nsOf(s.object)}/${s.object.metadata.name}`, s.object as Service]));
  checkServices(serviceSources, templates, add);
  checkControllers(inputs, add);
  checkBackends(inputs, services, add);
  checkSelectors(inputs, templates, add);
}
