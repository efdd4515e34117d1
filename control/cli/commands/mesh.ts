// Mesh inspection commands. They read the cluster's objects over the API,
// compile the same route table a sidecar would, and print it or walk a
// request through it — nothing runs in the sidecars themselves.

import { DEPLOYMENTS, JOBS, NETWORK_POLICIES, PODS, resourceTypeForKind, resourceTypeForName, stringifyYaml } from '../../api/index.ts';
import type { Client, KubeObject, Pod, ResourceType } from '../../api/index.ts';
import { compileProxyConfig, meshInputsFromObjects, DEFAULT_GATEWAY_IDENTITY, MESH_INPUT_TYPES } from '../../../mesh/index.ts';
import type { ProxyIdentity } from '../../../mesh/index.ts';
import { formatProxyConfig, explainRequest, formatExplanation, analyzeMesh, formatFindings } from '../../../mesh/explain/index.ts';
import type { AnalyzeInput, ProxyConfigSection } from '../../../mesh/explain/index.ts';
import { loadManifests, parseManifestText } from '../../cluster/manifests.ts';
import { str, strs, UsageError } from '../args.ts';
import type { CommandSpec, FlagSpec, ParsedArgs } from '../args.ts';
import { meshletHome, readState, processAlive } from '../home.ts';
import { connect } from './connect.ts';

type Command = (args: ParsedArgs) => Promise<number>;

const NAMESPACE: FlagSpec = { names: ['-n', '--namespace'], key: 'namespace', kind: 'string', value: 'NS', help: 'namespace of the pod (default "default")' };


/** What `analyze` reads from a live cluster: the mesh kinds and every kind with pod templates or pod selectors. */
const ANALYZED_TYPES: readonly ResourceType[] = [
  ...MESH_INPUT_TYPES, DEPLOYMENTS, JOBS, NETWORK_POLICIES,
  ...['statefulsets.apps', 'daemonsets.apps', 'cronjobs.batch', 'poddisruptionbudgets.policy', 'httproutes.gateway.networking.k8s.io']
    .map(resourceTypeForName)
    .filter((type): type is ResourceType => type !== undefined),
];

/**
 * A live object located as `kubectl get -o yaml` would print it (without
 * managedFields): findings name `cluster://NS/PLURAL/NAME:LINE`, so a live
 * finding has a line to look at just as a file's does.
 */
function liveInput(object: KubeObject): AnalyzeInput {
  const { managedFields: _managed, ...metadata } = object.metadata;
  const shown = { ...object, metadata };
  const type = resourceTypeForKind(object.apiVersion, object.kind);
  const where = `cluster://${object.metadata.namespace ?? '-'}/${type?.plural ?? object.kind.toLowerCase()}/${object.metadata.name}`;
  const [doc] = parseManifestText(stringifyYaml(shown), where);
  return { object, file: where, line: 1, ...(doc?.locate ? { locate: doc.locate } : {}) };
}

async function fetchAll(client: Client, types: readonly ResourceType[]): Promise<KubeObject[]> {
  const lists = await Promise.all(types.map((t) => client.list(t)));
  return lists.flatMap((l) => l.items);
}

async function identityFor(client: Client, target: string, namespace: string): Promise<ProxyIdentity> {
  if (target === 'gateway' || target === 'istio-ingressgateway') return DEFAULT_GATEWAY_IDENTITY;
  const pod = await client.get<Pod>(PODS, namespace, target);
  if (!pod) throw new UsageError(`pods "${target}" not found in namespace ${namespace} (use "gateway" for the ingress gateway)`);
  return {
    kind: 'sidecar',
    name: pod.metadata.name,
    namespace,
    labels: pod.metadata.labels ?? {},
    ip: pod.status?.podIP,
    serviceAccount: pod.spec?.serviceAccountName ?? 'default',
  };
}

const proxyConfig: Command = async (args) => {
  const [section, target] = args.positional;
  if (!section || !['routes', 'clusters', 'endpoints'].includes(section) || !target) {
    throw new UsageError('usage: meshlet proxy-config routes|clusters|endpoints <pod>|gateway [-n NS]');
  }
  const { client } = connect();
  try {
    const identity = await identityFor(client, target, str(args, 'namespace') ?? 'default');
    const table = compileProxyConfig(meshInputsFromObjects(await fetchAll(client, MESH_INPUT_TYPES)), identity);
    process.stdout.write(`${formatProxyConfig(table, section as ProxyConfigSection)}\n`);
    return 0;
  } finally {
    client.close();
  }
};

const explain: Command = async (args) => {
  const [target, url] = args.positional;
  if (!target || !url) throw new UsageError("usage: meshlet explain <pod>|gateway <url> [-H 'name: value']... [-X METHOD]");
  const headers: Record<string, string> = {};
  for (const h of strs(args, 'headers')) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UsageError(`invalid header "${h}": expected "name: value"`);
    headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  const { client } = connect();
  try {
    const identity = await identityFor(client, target, str(args, 'namespace') ?? 'default');
    const table = compileProxyConfig(meshInputsFromObjects(await fetchAll(client, MESH_INPUT_TYPES)), identity);
    const explanation = explainRequest(table, { url, method: str(args, 'method'), headers });
    process.stdout.write(`${formatExplanation(explanation)}\n`);
    return 0;
  } finally {
    client.close();
  }
};

const analyze: Command = async (args) => {
  const inputs: AnalyzeInput[] = [];
  const state = readState(meshletHome());
  const useKube = str(args, 'useKube') !== 'false' && state !== undefined && processAlive(state.pid);
  if (useKube) {
    const { client } = connect();
    try {
      for (const object of await fetchAll(client, ANALYZED_TYPES)) inputs.push(liveInput(object));
    } finally {
      client.close();
    }
  }
  for (const m of loadManifests(strs(args, 'files'))) inputs.push({ object: m.object as KubeObject, file: m.file, line: m.line, ...(m.locate ? { locate: m.locate } : {}) });
  if (inputs.length === 0) throw new UsageError('nothing to analyze: give -f FILE|DIR or start a cluster');
  const findings = analyzeMesh(inputs);
  if (str(args, 'output') === 'json') process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
  else process.stdout.write(findings.length ? `${formatFindings(findings)}\n` : '✔ No validation issues found when analyzing.\n');
  return findings.some((f) => f.level === 'Error') ? 1 : 0;
};

export const meshCommands: readonly CommandSpec[] = [
  {
    name: 'proxy-config',
    summary: 'the routes, clusters or endpoints a sidecar (or the gateway) would use',
    operands: '[section] [pod]',
    flags: [NAMESPACE],
    run: proxyConfig,
  },
  {
    name: 'explain',
    summary: 'why a request from a pod goes where it goes',
    operands: '[pod] [url]',
    flags: [
      NAMESPACE,
      { names: ['-H', '--header'], key: 'headers', kind: 'strings', value: "'NAME: VALUE'", help: 'request header (repeatable)' },
      { names: ['-X', '--request'], key: 'method', kind: 'string', value: 'METHOD', help: 'request method (default GET)' },
    ],
    run: explain,
  },
  {
    name: 'analyze',
    summary: 'istioctl-analyze-style checks of the cluster and/or manifests',
    flags: [
      { names: ['-f', '--filename'], key: 'files', kind: 'strings', value: 'FILE|DIR', help: 'manifest to analyze (repeatable)' },
      { names: ['--use-kube'], key: 'useKube', kind: 'string', value: 'true|false', help: 'also analyze the running cluster (default true)' },
      { names: ['-o', '--output'], key: 'output', kind: 'string', value: 'json', help: 'output format' },
    ],
    run: analyze,
  },
];

