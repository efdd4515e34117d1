// apps/v1 StatefulSet and ControllerRevision: the fields meshlet reads. The
// claims a StatefulSet makes are plain PersistentVolumeClaims; only the parts
// of one that the StatefulSet controller copies from its templates are
// spelled out here.

import type { LabelSelector, PodSpec, PodTemplateSpec } from './kinds.ts';
import type { KubeObject, Labels } from './objects.ts';

/** A pod volume backed by a claim (the one volume source the StatefulSet controller writes). */
export interface ClaimVolume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  [source: string]: unknown;
}

/** A pod spec as the StatefulSet controller writes it: the template's spec plus claim volumes. */
export type PodSpecWithVolumes = PodSpec & { volumes?: ClaimVolume[] };

/** One entry of `spec.volumeClaimTemplates`: a PersistentVolumeClaim without namespace or final name. */
export interface VolumeClaimTemplate {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; labels?: Labels; annotations?: Record<string, string> };
  spec?: {
    accessModes?: string[];
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    storageClassName?: string;
    volumeMode?: string;
    [field: string]: unknown;
  };
}

export type ClaimRetention = 'Retain' | 'Delete';

export interface StatefulSetSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  serviceName?: string;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
  volumeClaimTemplates?: VolumeClaimTemplate[];
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: ClaimRetention; whenScaled?: ClaimRetention };
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  ordinals?: { start?: number };
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
}

export type StatefulSet = KubeObject<StatefulSetSpec, StatefulSetStatus>;

/** An immutable snapshot of a workload's pod template; `revision` orders the history. */
export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}
