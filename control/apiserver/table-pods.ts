// Pod cells as kubectl's printPod computes them: READY, STATUS (the reason
// precedence of init containers, waiting/terminated states, Terminating),
// RESTARTS with "(5m ago)", and READINESS GATES.

import type { KubeObject } from '../api/index.ts';
import { humanDuration } from './human-duration.ts';

interface ContainerStatusView {
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; running?: unknown; terminated?: { reason?: string; exitCode?: number; signal?: number } };
  lastState?: { terminated?: { finishedAt?: string } };
}

interface PodView {
  spec?: { containers?: unknown[]; initContainers?: unknown[]; readinessGates?: { conditionType: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: ContainerStatusView[];
    initContainerStatuses?: ContainerStatusView[];
  };
}

export interface PodCells {
  ready: string;
  status: string;
  restarts: string;
  readinessGates: string;
}

function terminatedReason(t: { reason?: string; exitCode?: number; signal?: number }): string {
  if (t.reason) return t.reason;
  return t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode ?? 0}`;
}

export function podCells(obj: KubeObject, now = Date.now()): PodCells {
  const pod = obj as unknown as PodView;
  const status = pod.status ?? {};
  const total = pod.spec?.containers?.length ?? 0;
  let reason = status.reason || status.phase || 'Pending';
  let restarts = 0;
  let lastRestart = 0;
  const noteRestart = (cs: ContainerStatusView): void => {
    restarts += cs.restartCount ?? 0;
    const finished = cs.lastState?.terminated?.finishedAt ? Date.parse(cs.lastState.terminated.finishedAt) : 0;
    if (finished > lastRestart) lastRestart = finished;
  };

  let initializing = false;
  const inits = status.initContainerStatuses ?? [];
  inits.forEach((cs, i) => {
    noteRestart(cs);
    const t = cs.state?.terminated;
    if (t && t.exitCode === 0) return;
    if (initializing) return;
    if (t) reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode ?? 0}`;
    else if (cs.state?.waiting?.reason && cs.state.waiting.reason !== 'PodInitializing') reason = `Init:${cs.state.waiting.reason}`;
    else reason = `Init:${i}/${pod.spec?.initContainers?.length ?? inits.length}`;
    initializing = true;
  });

  let ready = 0;
  if (!initializing) {
    restarts = 0;
    lastRestart = 0;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      noteRestart(cs);
      if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
      else if (cs.state?.terminated) reason = terminatedReason(cs.state.terminated);
      else if (cs.state?.running && cs.ready) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const readyCondition = (status.conditions ?? []).find((c) => c.type === 'Ready');
      reason = readyCondition?.status === 'True' ? 'Running' : 'NotReady';
    }
  }
  if (obj.metadata.deletionTimestamp) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';

  const gates = pod.spec?.readinessGates ?? [];
  const trueConditions = new Set((status.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type));
  const readinessGates = gates.length === 0 ? '<none>' : `${gates.filter((g) => trueConditions.has(g.conditionType)).length}/${gates.length}`;
  const restartsCell = lastRestart > 0 ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsCell, readinessGates };
}
