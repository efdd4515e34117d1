// validateAuthorizationPolicy: the errors Istio's validation webhook rejects
// an AuthorizationPolicy for, as Kubernetes StatusCauses with field paths.

import type { StatusCause } from '../../control/api/index.ts';
import type { AuthorizationOperation, AuthorizationPolicySpec, AuthorizationSource } from '../../control/api/istio.ts';
import { conditionGetter } from './compile.ts';
import { isPathTemplate, isValidPort, isValidWildcard, parseCidr } from './match.ts';

const ACTIONS = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'];
const SOURCE_FIELDS: (keyof AuthorizationSource)[] = ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'];
const OPERATION_FIELDS: (keyof AuthorizationOperation)[] = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'];
/** Keys Istio accepts in `when` beyond those meshlet evaluates (accepted, but never match here). */
const OTHER_KNOWN_KEYS = /^(request\.auth\.(principal|audiences|presenter|claims\[.+\])|connection\.sni|experimental\.envoy\.filters\..+)$/;

type Causes = StatusCause[];

const invalid = (causes: Causes, field: string, message: string): void => void causes.push({ field, reason: 'FieldValueInvalid', message });
const required = (causes: Causes, field: string, message: string): void => void causes.push({ field, reason: 'FieldValueRequired', message });

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function checkValues(causes: Causes, path: string, name: string, values: unknown): void {
  if (values === undefined) return;
  if (!isStringList(values)) return invalid(causes, path, 'must be a list of strings');
  values.forEach((v, i) => {
    const at = `${path}[${i}]`;
    if (v === '') return invalid(causes, at, 'must not be empty');
    if (/[iI]pBlocks$/.test(name)) {
      if (!parseCidr(v)) invalid(causes, at, `${JSON.stringify(v)} is not an IP address or CIDR block`);
    } else if (/^(not)?[pP]orts$/.test(name)) {
      if (!isValidPort(v)) invalid(causes, at, `${JSON.stringify(v)} is not a port number in 1-65535`);
    } else if (/^(not)?[pP]aths$/.test(name) && isPathTemplate(v)) {
      const ops = v.match(/\{\*\*?\}/g) ?? [];
      if (v.replace(/\{\*\*?\}/g, '').includes('*') || v.includes('{**}') && !v.endsWith('{**}') || ops.filter((o) => o === '{**}').length > 1 || !v.startsWith('/'))
        invalid(causes, at, `${JSON.stringify(v)}: {**} must be the last operator, and templates cannot be mixed with * wildcards`);
    } else if (!isValidWildcard(v)) {
      invalid(causes, at, `${JSON.stringify(v)}: * is only allowed alone, as a prefix or as a suffix`);
    }
  });
}

function checkEntries<T extends object>(causes: Causes, path: string, entry: T | undefined, fields: (keyof T)[], what: string): void {
  if (entry === undefined || entry === null) return required(causes, path, `${what} must not be nil`);
  if (typeof entry !== 'object') return invalid(causes, path, `${what} must be an object`);
  const set = fields.filter((f) => (entry as Record<string, unknown>)[f as string] !== undefined);
  if (set.length === 0) return invalid(causes, path, `${what} must not be empty`);
  for (const f of set) checkValues(causes, `${path}.${String(f)}`, String(f), (entry as Record<string, unknown>)[f as string]);
}

/** Returns no causes for a valid policy. Takes any object (an ObjectInput on create/update, a KubeObject). */
export function validateAuthorizationPolicy(obj: object): StatusCause[] {
  const causes: Causes = [];
  const spec = ((obj as { spec?: unknown }).spec ?? {}) as AuthorizationPolicySpec;
  if (typeof spec !== 'object' || Array.isArray(spec)) return [{ field: 'spec', reason: 'FieldValueInvalid', message: 'must be an object' }];
  const action = spec.action ?? 'ALLOW';
  if (!ACTIONS.includes(action)) causes.push({ field: 'spec.action', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(action)}: supported values: ${ACTIONS.map((a) => `"${a}"`).join(', ')}` });
  if (action === 'CUSTOM' && !spec.provider?.name) required(causes, 'spec.provider.name', 'a CUSTOM policy must name its extension provider');
  if (action !== 'CUSTOM' && spec.provider !== undefined) invalid(causes, 'spec.provider', 'provider must only be set with action CUSTOM');
  const hasRefs = spec.targetRef !== undefined || (spec.targetRefs?.length ?? 0) > 0;
  if (spec.selector !== undefined && hasRefs) invalid(causes, 'spec.selector', 'only one of selector or targetRef/targetRefs can be set');
  if (spec.targetRef !== undefined && spec.targetRefs !== undefined) invalid(causes, 'spec.targetRefs', 'only one of targetRef or targetRefs can be set');
  const refs = spec.targetRefs ?? (spec.targetRef ? [spec.targetRef] : []);
  refs.forEach((r, i) => {
    const at = spec.targetRefs ? `spec.targetRefs[${i}]` : 'spec.targetRef';
    if (!r?.kind) required(causes, `${at}.kind`, 'kind is required');
    if (!r?.name) required(causes, `${at}.name`, 'name is required');
  });
  const labels = spec.selector?.matchLabels;
  if (labels !== undefined && (typeof labels !== 'object' || Object.values(labels).some((v) => typeof v !== 'string')))
    invalid(causes, 'spec.selector.matchLabels', 'must map label names to strings');
  if (spec.rules !== undefined && !Array.isArray(spec.rules)) invalid(causes, 'spec.rules', 'must be a list');
  (Array.isArray(spec.rules) ? spec.rules : []).forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    if (rule === null || typeof rule !== 'object') return invalid(causes, at, 'must be an object');
    (rule.from ?? []).forEach((f, j) => checkEntries(causes, `${at}.from[${j}].source`, f?.source, SOURCE_FIELDS, 'from.source'));
    (rule.to ?? []).forEach((t, j) => checkEntries(causes, `${at}.to[${j}].operation`, t?.operation, OPERATION_FIELDS, 'to.operation'));
    (rule.when ?? []).forEach((c, j) => {
      const cat = `${at}.when[${j}]`;
      if (!c?.key) return required(causes, `${cat}.key`, 'key must not be empty');
      if (!conditionGetter(c.key) && !OTHER_KNOWN_KEYS.test(c.key)) invalid(causes, `${cat}.key`, `unknown attribute ${JSON.stringify(c.key)}`);
      if (!c.values?.length && !c.notValues?.length) required(causes, cat, 'at least one of values or notValues must be set');
      const kind = c.key === 'destination.port' ? 'ports' : /\.ip$/.test(c.key) ? 'ipBlocks' : 'values';
      checkValues(causes, `${cat}.values`, kind, c.values);
      checkValues(causes, `${cat}.notValues`, kind, c.notValues);
    });
  });
  return causes;
}
