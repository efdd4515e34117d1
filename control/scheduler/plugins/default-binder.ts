// DefaultBinder (Bind): writes condition PodScheduled=True first (until the
// pod is bound nobody else writes its status, so a plain status replace is
// safe and cheaper than a patch), then spec.nodeName as an update
// compare-and-swapped on the version that status write returned: a pod
// changed or bound meanwhile fails with Conflict and is re-evaluated.
// API failures are thrown (failures, not outcomes); the scheduler requeues.

import type { Pod, PodCondition } from '../../api/index.ts';
import { ApiError, PODS, objectKeyOf } from '../../api/index.ts';
import type { BindPlugin, FrameworkHandle } from '../framework.ts';
import { SUCCESS } from '../framework.ts';

export function defaultBinder(handle: FrameworkHandle): BindPlugin {
  const { client, clock } = handle;
  return {
    name: 'DefaultBinder',
    async bind(pod, nodeName) {
      const scheduled: PodCondition = { type: 'PodScheduled', status: 'True', lastTransitionTime: new Date(clock.now()).toISOString() };
      const { resourceVersion: _rv, ...metadata } = pod.metadata;
      const marked = await client.updateStatus<Pod>(PODS, {
        ...pod,
        metadata,
        status: { ...(pod.status ?? {}), conditions: [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), scheduled] },
      });
      if (marked.spec?.nodeName || marked.metadata.deletionTimestamp) throw new ApiError('Conflict', `control/scheduler: pod ${objectKeyOf(pod)} changed while being bound`);
      await client.update(PODS, { ...marked, spec: { ...marked.spec!, nodeName } });
      return SUCCESS;
    },
  };
}
