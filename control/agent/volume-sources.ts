// Turns a pod's volumes into what the container runtime mounts, reading the
// objects behind them as the kubelet's volume plugins do: configMap, secret,
// downwardAPI and projected volumes become files; hostPath is type-checked;
// a persistentVolumeClaim leads to its bound PersistentVolume's path; emptyDir
// passes through. Anything else, or a missing object, is a FailedMount with
// the kubelet's wording, never a silently absent volume.

import { CONFIG_MAPS, PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, SECRETS } from '../api/index.ts';
import type { Client, Container, KeyToPath, KubeObject, Pod, Volume, VolumeProjection } from '../api/index.ts';
import type { PodVolumeSpec, VolumeFile, VolumeMountSpec } from './containers/index.ts';
import { downwardFieldValue, downwardResourceValue } from './downward-api.ts';
import { checkHostPath } from './host-path.ts';
import { parseQuantity } from './quantity.ts';

/** kubelet's default file mode for configMap, secret, downwardAPI and projected volumes (0644). */
const DEFAULT_MODE = 0o644;
const SUPPORTED = ['emptyDir', 'configMap', 'secret', 'downwardAPI', 'projected', 'hostPath', 'persistentVolumeClaim'] as const;

/** Issues the token of a pod's service account (a projected serviceAccountToken source). */
export type ServiceAccountTokenSource = (pod: Pod, request: { audience?: string; expirationSeconds: number }) => Promise<string>;

export class VolumeMountError extends Error {
  readonly code = 'MESHLET_AGENT_FAILED_MOUNT';
  constructor(
    readonly volume: string,
    reason: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${reason}`);
  }
}

export interface VolumeContext {
  client: Client;
  pod: Pod;
  serviceAccountToken?: ServiceAccountTokenSource;
}

/** The views of PersistentVolumeClaim and PersistentVolume this file reads. */
type ClaimView = KubeObject<{ volumeName?: string }, { phase?: string }>;
type VolumeView = KubeObject<{ hostPath?: { path: string; type?: Parameters<typeof checkHostPath>[1] }; local?: { path: string } }>;

function namespaceOf(pod: Pod): string {
  return pod.metadata.namespace ?? 'default';
}

function keyFiles(kind: 'configmap' | 'secret', data: Map<string, Buffer>, items: KeyToPath[] | undefined, mode: number, optional: boolean): VolumeFile[] {
  if (!items || items.length === 0) return [...data].map(([key, content]) => ({ path: key, content, mode }));
  const files: VolumeFile[] = [];
  for (const item of items) {
    const content = data.get(item.key);
    if (content === undefined) {
      if (optional) continue;
      throw new Error(`${kind === 'configmap' ? 'configmap' : 'secret'} references non-existent ${kind === 'configmap' ? 'config' : 'secret'} key: ${item.key}`);
    }
    files.push({ path: item.path, content, mode: item.mode ?? mode });
  }
  return files;
}

async function configMapFiles(ctx: VolumeContext, name: string, items: KeyToPath[] | undefined, mode: number, optional: boolean): Promise<VolumeFile[]> {
  const cm = await ctx.client.get(CONFIG_MAPS, namespaceOf(ctx.pod), name);
  if (!cm) {
    if (optional) return [];
    throw new Error(`configmap "${name}" not found`);
  }
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) data.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) data.set(k, Buffer.from(v, 'base64'));
  return keyFiles('configmap', data, items, mode, optional);
}

async function secretFiles(ctx: VolumeContext, name: string, items: KeyToPath[] | undefined, mode: number, optional: boolean): Promise<VolumeFile[]> {
  const secret = await ctx.client.get(SECRETS, namespaceOf(ctx.pod), name);
  if (!secret) {
    if (optional) return [];
    throw new Error(`secret "${name}" not found`);
  }
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret.data ?? {})) data.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(secret.stringData ?? {})) data.set(k, Buffer.from(v, 'utf8'));
  return keyFiles('secret', data, items, mode, optional);
}

function downwardFiles(pod: Pod, items: NonNullable<Volume['downwardAPI']>['items'], mode: number): VolumeFile[] {
  return (items ?? []).map((item) => {
    const content = item.fieldRef ? downwardFieldValue(pod, item.fieldRef.fieldPath) : item.resourceFieldRef ? downwardResourceValue(pod, item.resourceFieldRef) : '';
    return { path: item.path, content, mode: item.mode ?? mode };
  });
}

async function projectedFiles(ctx: VolumeContext, sources: VolumeProjection[], mode: number): Promise<VolumeFile[]> {
  const files: VolumeFile[] = [];
  for (const source of sources) {
    if (source.configMap) files.push(...(await configMapFiles(ctx, source.configMap.name ?? '', source.configMap.items, mode, source.configMap.optional === true)));
    if (source.secret) files.push(...(await secretFiles(ctx, source.secret.name ?? '', source.secret.items, mode, source.secret.optional === true)));
    if (source.downwardAPI) files.push(...downwardFiles(ctx.pod, source.downwardAPI.items, mode));
    const token = source.serviceAccountToken;
    if (token) {
      if (!ctx.serviceAccountToken) throw new Error('no service account token issuer on this node');
      const issued = await ctx.serviceAccountToken(ctx.pod, { expirationSeconds: token.expirationSeconds ?? 3600, ...(token.audience ? { audience: token.audience } : {}) });
      files.push({ path: token.path, content: issued, mode });
    }
  }
  return files;
}

async function claimPath(ctx: VolumeContext, claimName: string): Promise<string> {
  const namespace = namespaceOf(ctx.pod);
  const claim = await ctx.client.get<ClaimView>(PERSISTENT_VOLUME_CLAIMS, namespace, claimName);
  if (!claim) throw new Error(`persistentvolumeclaim "${claimName}" not found`);
  const volumeName = claim.spec?.volumeName;
  if (!volumeName || claim.status?.phase !== 'Bound') throw new Error(`error processing PVC ${namespace}/${claimName}: PVC is not bound`);
  const pv = await ctx.client.get<VolumeView>(PERSISTENT_VOLUMES, undefined, volumeName);
  if (!pv) throw new Error(`persistentvolume "${volumeName}" not found`);
  if (pv.spec?.hostPath) {
    checkHostPath(pv.spec.hostPath.path, pv.spec.hostPath.type);
    return pv.spec.hostPath.path;
  }
  if (pv.spec?.local) {
    checkHostPath(pv.spec.local.path, 'Directory');
    return pv.spec.local.path;
  }
  throw new Error(`meshlet cannot mount PersistentVolume "${volumeName}": it mounts hostPath and local volumes only`);
}

/** One volume, resolved; throws a plain Error with the kubelet's reason. */
async function resolveVolume(ctx: VolumeContext, volume: Volume): Promise<PodVolumeSpec> {
  const { name } = volume;
  if (volume.emptyDir) {
    const size = parseQuantity(volume.emptyDir.sizeLimit);
    return { name, kind: 'emptyDir', ...(volume.emptyDir.medium === 'Memory' ? { medium: 'Memory' as const } : {}), ...(size !== undefined ? { sizeLimitBytes: Math.ceil(size) } : {}) };
  }
  if (volume.configMap) {
    const cm = volume.configMap;
    return { name, kind: 'files', files: await configMapFiles(ctx, cm.name ?? '', cm.items, cm.defaultMode ?? DEFAULT_MODE, cm.optional === true) };
  }
  if (volume.secret) {
    const s = volume.secret;
    return { name, kind: 'files', files: await secretFiles(ctx, s.secretName ?? '', s.items, s.defaultMode ?? DEFAULT_MODE, s.optional === true) };
  }
  if (volume.downwardAPI) return { name, kind: 'files', files: downwardFiles(ctx.pod, volume.downwardAPI.items, volume.downwardAPI.defaultMode ?? DEFAULT_MODE) };
  if (volume.projected) return { name, kind: 'files', files: await projectedFiles(ctx, volume.projected.sources ?? [], volume.projected.defaultMode ?? DEFAULT_MODE) };
  if (volume.hostPath) {
    checkHostPath(volume.hostPath.path, volume.hostPath.type);
    return { name, kind: 'bind', path: volume.hostPath.path };
  }
  if (volume.persistentVolumeClaim) {
    const claim = volume.persistentVolumeClaim;
    return { name, kind: 'bind', path: await claimPath(ctx, claim.claimName), ...(claim.readOnly ? { readOnly: true } : {}) };
  }
  const type = Object.keys(volume).find((k) => k !== 'name') ?? 'none';
  throw new Error(`meshlet cannot mount volumes of type ${type} (it mounts ${SUPPORTED.join(', ')})`);
}

/** Every volume of the pod, resolved; throws VolumeMountError for the first one that cannot be. */
export async function resolvePodVolumes(ctx: VolumeContext): Promise<PodVolumeSpec[]> {
  const out: PodVolumeSpec[] = [];
  for (const volume of ctx.pod.spec?.volumes ?? []) {
    try {
      out.push(await resolveVolume(ctx, volume));
    } catch (err) {
      throw new VolumeMountError(volume.name, err instanceof Error ? err.message : String(err));
    }
  }
  return out;
}

/** Whether the pod has volumes whose files follow their objects (configMap, secret, downwardAPI, projected). */
export function hasUpdatableVolumes(pod: Pod): boolean {
  return (pod.spec?.volumes ?? []).some((v) => v.configMap || v.secret || v.downwardAPI || v.projected);
}

/** A container's volume mounts, subPathExpr expanded from its environment as the kubelet does. */
export function containerVolumeMounts(container: Container, env: Record<string, string>): VolumeMountSpec[] {
  return (container.volumeMounts ?? []).map((m) => {
    const subPath = m.subPathExpr !== undefined ? m.subPathExpr.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, n: string) => env[n] ?? whole) : m.subPath;
    return { name: m.name, mountPath: m.mountPath, ...(m.readOnly ? { readOnly: true } : {}), ...(subPath ? { subPath } : {}) };
  });
}
