// envoyproxy/ratelimit configuration (`domain` + nested `descriptors`) read from
// ConfigMaps, and the descriptor-tree lookup the ratelimit service does.
//
// A ConfigMap holds such a config when it is named `ratelimit-config` (the name
// Istio's ratelimit sample mounts) or labelled
// `policy.meshlet.dev/ratelimit-config: "true"`; every data key ending in .yaml
// or .yml is one config.

import type { KubeObject } from '../../control/api/objects.ts';
import type { RateLimitUnit } from '../../control/api/ratelimit-policy.ts';
import { RateLimitError } from './errors.ts';
import type { DescriptorEntry, DescriptorTreeNode } from './model.ts';
import { parseYaml } from '../../control/api/yaml.ts';

export const RATELIMIT_CONFIG_MAP_NAME = 'ratelimit-config';
export const RATELIMIT_CONFIG_LABEL = 'policy.meshlet.dev/ratelimit-config';
/** Where a ConfigMap's domain is enforced when no EnvoyFilter names the domain: `gateway/<name|*>` or `service/<name>`. */
export const RATELIMIT_TARGET_ANNOTATION = 'policy.meshlet.dev/ratelimit-target';
/** `"true"`: reject with 500 when the counter store is unreachable (when no EnvoyFilter says). */
export const RATELIMIT_FAILURE_MODE_ANNOTATION = 'policy.meshlet.dev/failure-mode-deny';

export interface RateLimitDomainConfig {
  domain: string;
  descriptors: DescriptorTreeNode[];
  /** `ConfigMap ns/name[key]`. */
  origin: string;
  configMap: KubeObject;
}

const UNITS: readonly RateLimitUnit[] = ['second', 'minute', 'hour', 'day'];

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseNode(v: unknown, path: string): DescriptorTreeNode {
  if (!isRecord(v) || typeof v.key !== 'string' || v.key === '') {
    throw new RateLimitError('MESHLET_RATELIMIT_INVALID_POLICY', `${path}: descriptor needs a key`);
  }
  const node: DescriptorTreeNode = { key: v.key, shadowMode: v.shadow_mode === true, children: [] };
  if (v.value !== undefined && v.value !== null) node.value = String(v.value);
  if (isRecord(v.rate_limit)) {
    const rl = v.rate_limit;
    const unlimited = rl.unlimited === true;
    const unit = String(rl.unit ?? '').toLowerCase() as RateLimitUnit;
    const requests = Number(rl.requests_per_unit ?? 0);
    if (!unlimited && !UNITS.includes(unit)) {
      throw new RateLimitError('MESHLET_RATELIMIT_UNSUPPORTED', `${path}.rate_limit.unit: unsupported unit ${JSON.stringify(rl.unit)}`);
    }
    if (!unlimited && (!Number.isInteger(requests) || requests < 0)) {
      throw new RateLimitError('MESHLET_RATELIMIT_INVALID_POLICY', `${path}.rate_limit.requests_per_unit must be a non-negative integer`);
    }
    node.rateLimit = { requests, unit: UNITS.includes(unit) ? unit : 'second', unlimited };
    if (typeof rl.name === 'string') node.rateLimit.name = rl.name;
  }
  if (Array.isArray(v.descriptors)) node.children = v.descriptors.map((c, i) => parseNode(c, `${path}.descriptors[${i}]`));
  return node;
}

export function parseRateLimitConfig(text: string, origin: string, configMap: KubeObject): RateLimitDomainConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text, origin);
  } catch (err) {
    throw new RateLimitError('MESHLET_RATELIMIT_INVALID_POLICY', `${origin}: not YAML: ${(err as Error).message}`, { cause: err });
  }
  if (!isRecord(doc) || typeof doc.domain !== 'string' || doc.domain === '') {
    throw new RateLimitError('MESHLET_RATELIMIT_INVALID_POLICY', `${origin}: config needs a domain`);
  }
  const descriptors = Array.isArray(doc.descriptors) ? doc.descriptors.map((d, i) => parseNode(d, `${origin} descriptors[${i}]`)) : [];
  return { domain: doc.domain, descriptors, origin, configMap };
}

export function isRateLimitConfigMap(cm: KubeObject): boolean {
  return cm.metadata.name === RATELIMIT_CONFIG_MAP_NAME || cm.metadata.labels?.[RATELIMIT_CONFIG_LABEL] === 'true';
}

/** Every domain config in the ConfigMaps, and the problems of those that do not parse. */
export function readRateLimitConfigs(configMaps: readonly KubeObject[]): { configs: RateLimitDomainConfig[]; problems: { object: string; message: string }[] } {
  const configs: RateLimitDomainConfig[] = [];
  const problems: { object: string; message: string }[] = [];
  for (const cm of configMaps) {
    if (!isRateLimitConfigMap(cm)) continue;
    const data = (cm.data ?? {}) as Record<string, unknown>;
    for (const [key, text] of Object.entries(data)) {
      if (!/\.ya?ml$/.test(key) || typeof text !== 'string') continue;
      const origin = `ConfigMap ${cm.metadata.namespace ?? 'default'}/${cm.metadata.name}[${key}]`;
      try {
        configs.push(parseRateLimitConfig(text, origin, cm));
      } catch (err) {
        problems.push({ object: origin, message: (err as Error).message });
      }
    }
  }
  return { configs, problems };
}

function valueMatches(node: DescriptorTreeNode, value: string): 'exact' | 'wildcard' | undefined {
  if (node.value === undefined) return 'wildcard';
  if (node.value === value) return 'exact';
  if (node.value.endsWith('*') && value.startsWith(node.value.slice(0, -1))) return 'exact';
  return undefined;
}

export interface TreeMatch {
  node: DescriptorTreeNode;
  /** Metric name, as envoyproxy/ratelimit's stat key: `KEY_value.KEY2` (value omitted for wildcards). */
  name: string;
}

/** Walks the tree with a request descriptor: exact (or prefix) values first, then key-only nodes. */
export function lookupDescriptor(nodes: readonly DescriptorTreeNode[], entries: readonly DescriptorEntry[]): TreeMatch | undefined {
  let level = nodes;
  let found: DescriptorTreeNode | undefined;
  const names: string[] = [];
  for (const entry of entries) {
    const candidates = level.filter((n) => n.key === entry.key);
    found = candidates.find((n) => valueMatches(n, entry.value) === 'exact') ?? candidates.find((n) => n.value === undefined);
    if (!found) return undefined;
    names.push(found.value === undefined ? found.key : `${found.key}_${found.value}`);
    level = found.children;
  }
  return found ? { node: found, name: found.rateLimit?.name ?? names.join('.') } : undefined;
}
