// What a control plane records in its store so that `meshlet node join`,
// running elsewhere against the same store, can attach a node agent: the
// address plan and where the cluster DNS answers.

import { MeshletError, isStoreError } from '../api/index.ts';
import type { Store } from '../api/index.ts';

export const JOIN_INFO_KEY = '/meshlet/cluster/join-info';

export interface JoinInfo {
  clusterCidr: string;
  serviceCidr: string;
  nodeSubnetLength: number;
  dns: { host: string; port: number };
  /** How often node agents renew their Lease, so they stay within the control plane's grace period. */
  nodeLeaseRenewMs?: number;
  /** The token joined nodes put in pods' kube-api-access volumes (the control plane's; a fresh one each `up`). */
  serviceAccountToken?: string;
}

export async function writeJoinInfo(store: Store, info: JoinInfo): Promise<void> {
  const current = await store.get<JoinInfo>(JOIN_INFO_KEY);
  if (!current) {
    try {
      await store.create(JOIN_INFO_KEY, info);
      return;
    } catch (err) {
      if (!isStoreError(err, 'AlreadyExists')) throw err;
    }
  }
  await store.update(JOIN_INFO_KEY, info);
}

export async function readJoinInfo(store: Store): Promise<JoinInfo> {
  const kv = await store.get<JoinInfo>(JOIN_INFO_KEY);
  if (!kv) {
    throw new MeshletError(
      'MESHLET_NO_CONTROL_PLANE',
      'control/cluster: no meshlet control plane has written to this store; start one with "meshlet up --store <same URL>" first',
    );
  }
  return kv.value;
}
