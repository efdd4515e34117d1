// The node agent hands a Pod's lifecycle hooks to the runtime: with the real
// kubectl, a pod's postStart runs before it is Running, and `kubectl delete`
// runs its preStop before the container gets SIGTERM.

import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { findKubectl, KUBECTL_MISSING, kubectlFor } from '../apiserver/kubectl-runner.ts';

if (!findKubectl()) {
  t.fail(KUBECTL_MISSING);
} else {
  t.test('kubectl: postStart before Running, preStop before SIGTERM on delete', { timeout: 180_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'meshlet-hooks-'));
    const file = join(dir, 'order');
    const yaml = `
apiVersion: v1
kind: Pod
metadata:
  name: hooked
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: meshlet-test/sh
    command: ["/bin/sh", "-c", "trap 'echo term >> ${file}; exit 0' TERM; echo main >> ${file}; sleep 300 & wait"]
    lifecycle:
      postStart:
        exec:
          command: ["/bin/sh", "-c", "echo poststart >> ${file}"]
      preStop:
        exec:
          command: ["/bin/sh", "-c", "echo prestop >> ${file}"]
`;
    const cluster = await startCluster({ nodes: 1, yaml });
    const kubectl = kubectlFor(cluster.kubeconfigPath);
    t.teardown(async () => {
      kubectl.close();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    await waitFor('hooked Running', async () => / Running /.test((await kubectl.run(['get', 'pod', 'hooked', '--no-headers'])).stdout), { timeoutMs: 60_000, intervalMs: 200 });
    t.ok(readFileSync(file, 'utf8').includes('poststart'), 'postStart ran before the pod was Running');
    const deleted = await kubectl.run(['delete', 'pod', 'hooked', '--wait=false']);
    t.equal(deleted.code, 0, deleted.stderr);
    await waitFor('TERM after preStop', () => existsSync(file) && readFileSync(file, 'utf8').includes('term'), { timeoutMs: 30_000 });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    t.same(lines.filter((l) => l === 'prestop' || l === 'term'), ['prestop', 'term']);
    t.same([...lines].sort(), ['main', 'poststart', 'prestop', 'term']);
  });
}
