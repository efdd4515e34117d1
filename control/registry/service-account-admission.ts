// The ServiceAccount admission plugin's part that mounts the API credentials:
// a new pod runs as `default` unless it names a service account, and gets the
// projected `kube-api-access-<5 random>` volume (a bound token, the cluster's
// CA from the kube-root-ca.crt ConfigMap, the namespace) mounted read-only at
// /var/run/secrets/kubernetes.io/serviceaccount in every container — unless
// the pod or its ServiceAccount says automountServiceAccountToken: false, or a
// container already mounts something there.

import type { Container, ObjectInput, PodSpec, ServiceAccount, Volume } from '../api/index.ts';
import { randomNameSuffix } from './object-meta.ts';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';
/** kube-apiserver's default for the projected token (an hour, plus seven seconds so it differs from user tokens). */
export const SERVICE_ACCOUNT_TOKEN_SECONDS = 3607;

export function serviceAccountVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: SERVICE_ACCOUNT_TOKEN_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIG_MAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** Applies the plugin to a pod being created, in place. */
export async function admitServiceAccount(pod: ObjectInput, readServiceAccount: (namespace: string, name: string) => Promise<ServiceAccount | undefined>): Promise<void> {
  const spec = pod.spec as (PodSpec & { serviceAccount?: string }) | undefined;
  if (!spec || !Array.isArray(spec.containers)) return;
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.serviceAccount = spec.serviceAccountName;
  if (spec.automountServiceAccountToken === false) return;
  if (spec.automountServiceAccountToken !== true) {
    const account = await readServiceAccount(pod.metadata.namespace ?? 'default', spec.serviceAccountName);
    if (account?.automountServiceAccountToken === false) return;
  }
  const containers: Container[] = [...(spec.initContainers ?? []), ...spec.containers];
  if (containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH))) return;
  const name = `kube-api-access-${randomNameSuffix(5)}`;
  spec.volumes = [...(spec.volumes ?? []), serviceAccountVolume(name)];
  for (const c of containers) c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
}
