// Resolves a container's `env` the way the kubelet does: literal values,
// fieldRef (downward API), configMapKeyRef and secretKeyRef, with $(VAR)
// references expanded against earlier variables.

import { CONFIG_MAPS, SECRETS } from '../api/index.ts';
import type { Client, ConfigMap, Container, KubeObject, Pod } from '../api/index.ts';
import { downwardFieldValue } from './downward-api.ts';

export class EnvResolutionError extends Error {
  readonly code = 'MESHLET_AGENT_ENV';
}

export async function resolveContainerEnv(
  client: Client,
  pod: Pod,
  container: Container,
  podIp: string,
  nodeName: string,
  base: Record<string, string>,
): Promise<Record<string, string>> {
  const env: Record<string, string> = { ...base };
  const namespace = pod.metadata.namespace ?? 'default';
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = expand(variable.value, env);
      continue;
    }
    const from = variable.valueFrom;
    if (!from) {
      env[variable.name] = '';
      continue;
    }
    if (from.fieldRef) {
      env[variable.name] = fieldValue(pod, from.fieldRef.fieldPath, podIp, nodeName);
    } else if (from.configMapKeyRef) {
      const cm = await client.get<ConfigMap>(CONFIG_MAPS, namespace, from.configMapKeyRef.name);
      const value = cm?.data?.[from.configMapKeyRef.key];
      if (value === undefined) {
        throw new EnvResolutionError(`configmap "${from.configMapKeyRef.name}" key "${from.configMapKeyRef.key}" not found`);
      }
      env[variable.name] = value;
    } else if (from.secretKeyRef) {
      const secret = await client.get<KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> }>(
        SECRETS,
        namespace,
        from.secretKeyRef.name,
      );
      const encoded = secret?.data?.[from.secretKeyRef.key];
      const plain = secret?.stringData?.[from.secretKeyRef.key];
      if (encoded === undefined && plain === undefined) {
        throw new EnvResolutionError(`secret "${from.secretKeyRef.name}" key "${from.secretKeyRef.key}" not found`);
      }
      env[variable.name] = plain ?? Buffer.from(encoded!, 'base64').toString('utf8');
    }
  }
  return env;
}

/** An env var's fieldRef: the pod-runtime fields here, the metadata ones as the downward API volume reads them. */
function fieldValue(pod: Pod, path: string, podIp: string, nodeName: string): string {
  switch (path) {
    case 'spec.nodeName':
      return nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.hostIP':
      return podIp;
    default:
      try {
        return downwardFieldValue(pod, path);
      } catch {
        // Validation refuses unsupported paths; an object stored before that check gets an empty value, as before.
        return '';
      }
  }
}

function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && env[name] !== undefined ? env[name] : match;
  });
}
