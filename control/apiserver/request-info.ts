// Parses a REST path into the resource request it names, the way the
// Kubernetes API server's RequestInfoFactory does:
//   /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUBRESOURCE]]
//   /apis/GROUP/VERSION[/namespaces/NS]/RESOURCE[/NAME[/SUBRESOURCE]]

import type { CustomKind, KindCatalog, ResourceType } from '../api/index.ts';
import { ApiError } from '../api/index.ts';

export interface ResourceRequest {
  type: ResourceType;
  /** The version the client asked for (an alias version is echoed back in apiVersion). */
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Set when a CRD defines the kind: its schema, printer columns and scale paths. */
  custom?: CustomKind;
}

export function servedVersions(type: ResourceType): string[] {
  return [type.version, ...(type.aliasVersions ?? [])];
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError('BadRequest', `apiserver: malformed percent-encoding in path segment ${JSON.stringify(segment)}`);
  }
}

/** Returns undefined when the path is not a resource path (discovery, openapi, unknown). */
export function parseResourcePath(pathname: string, kinds: KindCatalog): ResourceRequest | { unknownResource: string } | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodePathSegment);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  const namespaceSubresource = group === '' && rest[0] === 'namespaces' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (!plural || extra.length > 0) return { unknownResource: pathname };
  const type = kinds.forResource(group, version, plural);
  if (!type) return { unknownResource: group ? `${plural}.${group}` : plural };
  if (namespace !== undefined && !type.namespaced) return { unknownResource: pathname };
  const custom = kinds.customKind(type);
  return { type, version, namespace, name, subresource, ...(custom ? { custom } : {}) };
}
