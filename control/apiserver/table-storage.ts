// Cells of kubectl's PersistentVolume, PersistentVolumeClaim and StorageClass
// printers (pkg/printers/internalversion/printers.go): access modes as
// RWO/ROX/RWX/RWOP, the claim as namespace/name, "Terminating" while deleted,
// the default class marked "(default)".

import type { KubeObject, PersistentVolume, PersistentVolumeAccessMode, PersistentVolumeClaim, StorageClass } from '../api/index.ts';
import { ANN_DEFAULT_STORAGE_CLASS } from '../api/index.ts';

const SHORT_MODES: Record<PersistentVolumeAccessMode, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

export function accessModesCell(modes: readonly PersistentVolumeAccessMode[] | undefined): string {
  const order: PersistentVolumeAccessMode[] = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];
  return order.filter((m) => (modes ?? []).includes(m)).map((m) => SHORT_MODES[m]).join(',');
}

function phaseCell(obj: KubeObject, phase: string | undefined): string {
  return obj.metadata.deletionTimestamp ? 'Terminating' : (phase ?? '');
}

function attributesClass(obj: KubeObject): string {
  const name = (obj['spec'] as { volumeAttributesClassName?: string } | undefined)?.volumeAttributesClassName;
  return name ? name : '<unset>';
}

export function pvCells(obj: KubeObject): { capacity: string; accessModes: string; reclaimPolicy: string; status: string; claim: string; storageClass: string; attributesClass: string; reason: string; volumeMode: string } {
  const pv = obj as PersistentVolume;
  const ref = pv.spec?.claimRef;
  return {
    capacity: pv.spec?.capacity?.['storage'] ?? '',
    accessModes: accessModesCell(pv.spec?.accessModes),
    reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy ?? '',
    status: phaseCell(pv, pv.status?.phase),
    claim: ref?.name ? `${ref.namespace ?? ''}/${ref.name}` : '',
    storageClass: pv.spec?.storageClassName ?? '',
    attributesClass: attributesClass(pv),
    reason: pv.status?.reason ?? '',
    volumeMode: pv.spec?.volumeMode ?? '<unset>',
  };
}

export function pvcCells(obj: KubeObject): { status: string; volume: string; capacity: string; accessModes: string; storageClass: string; attributesClass: string; volumeMode: string } {
  const pvc = obj as PersistentVolumeClaim;
  const bound = Boolean(pvc.spec?.volumeName);
  return {
    status: phaseCell(pvc, pvc.status?.phase),
    volume: pvc.spec?.volumeName ?? '',
    capacity: bound ? (pvc.status?.capacity?.['storage'] ?? '') : '',
    accessModes: bound ? accessModesCell(pvc.status?.accessModes) : '',
    storageClass: pvc.spec?.storageClassName ?? '',
    attributesClass: attributesClass(pvc),
    volumeMode: pvc.spec?.volumeMode ?? '<unset>',
  };
}

export function storageClassCells(obj: KubeObject): { name: string; provisioner: string; reclaimPolicy: string; bindingMode: string; allowExpansion: string } {
  const sc = obj as StorageClass;
  const isDefault = sc.metadata.annotations?.[ANN_DEFAULT_STORAGE_CLASS] === 'true';
  return {
    name: isDefault ? `${sc.metadata.name} (default)` : sc.metadata.name,
    provisioner: sc.provisioner,
    reclaimPolicy: sc.reclaimPolicy ?? 'Delete',
    bindingMode: sc.volumeBindingMode ?? 'Immediate',
    allowExpansion: String(sc.allowVolumeExpansion ?? false),
  };
}
