// Turns what the container runtime reports into a Pod's status, in the
// shape the kubelet writes (phase, conditions, container statuses, IPs).

import type { ContainerStatus, Pod, PodCondition, PodStatus } from '../api/index.ts';
import type { PodRunStatus } from './containers/index.ts';
import { stableStringify } from '../api/index.ts';

export function buildPodStatus(
  pod: Pod,
  run: PodRunStatus | undefined,
  podIp: string | undefined,
  hostIp: string,
  now: string,
): PodStatus {
  const previous = pod.status ?? {};
  const conditionsNow: [PodCondition['type'], boolean][] = [
    ['PodScheduled', true],
    ['Initialized', run?.initialized ?? false],
    ['ContainersReady', run?.ready ?? false],
    ['Ready', run?.ready ?? false],
  ];
  // kubelet names the containers holding Ready/ContainersReady back (once the pod is initialized).
  const unready = run && run.initialized ? run.containerStatuses.filter((c) => !c.ready).map((c) => c.name) : [];
  const why = (type: PodCondition['type']): Pick<PodCondition, 'reason' | 'message'> => {
    if (type === 'PodScheduled') return {};
    if (type === 'Initialized') return run?.reason ? { reason: 'PodInitializing' } : {};
    if (unready.length > 0) return { reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
    return run?.reason ? { reason: 'ContainersNotReady' } : {};
  };
  const conditions: PodCondition[] = conditionsNow.map(([type, ok]) => {
    const status = ok ? 'True' : 'False';
    const before = previous.conditions?.find((c) => c.type === type);
    return {
      type,
      status,
      lastTransitionTime: before && before.status === status && before.lastTransitionTime ? before.lastTransitionTime : now,
      ...(!ok ? why(type) : {}),
    };
  });
  return {
    phase: run?.phase ?? 'Pending',
    conditions,
    hostIP: hostIp,
    ...(podIp ? { podIP: podIp, podIPs: [{ ip: podIp }] } : {}),
    startTime: previous.startTime ?? now,
    ...(run ? { containerStatuses: run.containerStatuses.map(withImageId) } : {}),
    ...(run?.initContainerStatuses?.length ? { initContainerStatuses: run.initContainerStatuses.map(withImageId) } : {}),
    ...(run?.reason ? { reason: run.reason } : {}),
    ...(run?.message ? { message: run.message } : {}),
  };
}

/** The schema requires imageID; a process has no image digest, so name the image it stands in for. */
function withImageId(status: ContainerStatus): ContainerStatus & { imageID: string } {
  const given = (status as { imageID?: string }).imageID;
  return { ...status, imageID: given ?? `meshlet://${status.image ?? ''}` };
}

/** Compares statuses ignoring transition timestamps, so unchanged pods are not rewritten. */
export function sameStatus(a: PodStatus | undefined, b: PodStatus): boolean {
  const strip = (s: PodStatus | undefined) =>
    s ? { ...s, conditions: s.conditions?.map(({ lastTransitionTime: _t, ...rest }) => rest) } : undefined;
  return stableStringify(strip(a)) === stableStringify(strip(b));
}
