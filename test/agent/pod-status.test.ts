// Through the real kubectl: a pod with one crash-looping container of three
// reads 2/3 in READY, the crasher's state in STATUS, and its Ready condition
// names the container holding it back.

import t from 'tap';
import { startCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { findKubectl, KUBECTL_MISSING, kubectlFor } from '../apiserver/kubectl-runner.ts';
import { PODS } from '../../control/api/index.ts';
import type { Pod } from '../../control/api/index.ts';

const POD = `
apiVersion: v1
kind: Pod
metadata:
  name: trio
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: meshlet-test/sh
    command: ["/bin/sh", "-c", "exec sleep 300"]
  - name: crasher
    image: meshlet-test/sh
    command: ["/bin/sh", "-c", "sleep 0.2; exit 1"]
  - name: worker
    image: meshlet-test/sh
    command: ["/bin/sh", "-c", "exec sleep 300"]
`;

if (!findKubectl()) {
  t.fail(KUBECTL_MISSING);
} else {
  t.test('kubectl get pod: one crashing container of three reads 2/3 and its state', { timeout: 180_000 }, async (t) => {
    // A short back-off (the cluster option behind `meshlet up --restart-backoff-ms`) so the loop turns quickly.
    const cluster = await startCluster({ nodes: 1, yaml: POD, restartBackoff: { initialMs: 300, maxMs: 600, firstRestartMs: 300 } });
    const kubectl = kubectlFor(cluster.kubeconfigPath);
    t.teardown(async () => {
      kubectl.close();
      await cluster.stop();
    });

    let last = '';
    const row = await waitFor('trio 2/3 in CrashLoopBackOff after restarts', async () => {
      const r = await kubectl.run(['get', 'pod', 'trio', '--no-headers']);
      last = r.stdout + r.stderr;
      const [, ready, status, restarts] = r.stdout.trim().split(/\s+/);
      return ready === '2/3' && status === 'CrashLoopBackOff' && Number(restarts) >= 2 ? { ready, status } : undefined;
    }, { timeoutMs: 90_000, intervalMs: 200 }).catch((err: Error) => {
      throw new Error(`${err.message}\nlast kubectl get pod trio:\n${last}`);
    });
    t.same(row, { ready: '2/3', status: 'CrashLoopBackOff' });

    const pod = await cluster.client.get<Pod>(PODS, 'default', 'trio');
    if (!pod) throw new Error('pod trio is gone');
    const byName = Object.fromEntries((pod.status?.containerStatuses ?? []).map((c) => [c.name, c]));
    t.equal(byName['web']?.restartCount, 0, 'web was never restarted');
    t.equal(byName['worker']?.restartCount, 0, 'worker was never restarted');
    t.ok(byName['web']?.state.running && byName['worker']?.state.running);
    const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
    t.equal(ready?.status, 'False');
    t.equal(ready?.reason, 'ContainersNotReady');
    t.equal(ready?.message, 'containers with unready status: [crasher]');
  });
}
