// Storage kinds: PersistentVolume, PersistentVolumeClaim (core/v1), StorageClass and
// VolumeAttachment (storage.k8s.io/v1). Only the fields meshlet reads or writes are
// declared; everything else a user sends is stored as given.

import type { LabelSelector } from './kinds.ts';
import type { KubeObject } from './objects.ts';

export type PersistentVolumeAccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';
export type PersistentVolumeReclaimPolicy = 'Retain' | 'Delete' | 'Recycle';
export type VolumeBindingMode = 'Immediate' | 'WaitForFirstConsumer';
export type PersistentVolumePhase = 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed';
export type PersistentVolumeClaimPhase = 'Pending' | 'Bound' | 'Lost';

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface VolumeNodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface VolumeNodeAffinity {
  required?: { nodeSelectorTerms: { matchExpressions?: VolumeNodeSelectorRequirement[]; matchFields?: VolumeNodeSelectorRequirement[] }[] };
}

export interface PersistentVolumeSpec {
  capacity?: Record<string, string>;
  accessModes?: PersistentVolumeAccessMode[];
  persistentVolumeReclaimPolicy?: PersistentVolumeReclaimPolicy;
  storageClassName?: string;
  volumeMode?: 'Filesystem' | 'Block';
  claimRef?: ObjectReference;
  hostPath?: { path: string; type?: string };
  local?: { path: string };
  nodeAffinity?: VolumeNodeAffinity;
  mountOptions?: string[];
}

export interface PersistentVolumeStatus {
  phase?: PersistentVolumePhase;
  message?: string;
  reason?: string;
  lastPhaseTransitionTime?: string;
}

export interface PersistentVolume extends KubeObject {
  spec?: PersistentVolumeSpec;
  status?: PersistentVolumeStatus;
}

export interface PersistentVolumeClaimSpec {
  accessModes?: PersistentVolumeAccessMode[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  storageClassName?: string;
  volumeName?: string;
  volumeMode?: 'Filesystem' | 'Block';
  selector?: LabelSelector;
}

export interface PersistentVolumeClaimStatus {
  phase?: PersistentVolumeClaimPhase;
  accessModes?: PersistentVolumeAccessMode[];
  capacity?: Record<string, string>;
}

export interface PersistentVolumeClaim extends KubeObject {
  spec?: PersistentVolumeClaimSpec;
  status?: PersistentVolumeClaimStatus;
}

export interface StorageClass extends KubeObject {
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: PersistentVolumeReclaimPolicy;
  volumeBindingMode?: VolumeBindingMode;
  allowVolumeExpansion?: boolean;
  mountOptions?: string[];
}

export interface VolumeAttachmentSpec {
  attacher: string;
  nodeName: string;
  source: { persistentVolumeName?: string };
}

export interface VolumeAttachment extends KubeObject {
  spec?: VolumeAttachmentSpec;
  status?: { attached: boolean; attachmentMetadata?: Record<string, string>; attachError?: { time?: string; message?: string } };
}

/** Annotations and names Kubernetes' persistent-volume machinery uses (pkg/controller/volume/persistentvolume). */
export const ANN_DEFAULT_STORAGE_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
/** kind's default provisioner, which meshlet's built-in local-path provisioner answers to. */
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
export const DEFAULT_STORAGE_CLASS_NAME = 'standard';

const BINARY_SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_SUFFIX: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A storage quantity (`1Gi`, `500M`, `1e9`) in bytes; NaN when it is not a quantity. */
export function storageBytes(quantity: string | number | undefined): number {
  if (typeof quantity === 'number') return quantity;
  const m = /^((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/.exec((quantity ?? '').trim());
  if (!m) return Number.NaN;
  const unit = m[2] ?? '';
  return Number(m[1]) * (BINARY_SUFFIX[unit] ?? DECIMAL_SUFFIX[unit] ?? 1);
}

/** A pod volume that refers to a claim (the part of core/v1 Volume the storage machinery reads). */
export interface PodVolume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  ephemeral?: unknown;
}

/** The claims a pod's volumes name, in order. */
export function podClaimNames(spec: { volumes?: readonly PodVolume[] } | undefined): string[] {
  return (spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : []));
}
