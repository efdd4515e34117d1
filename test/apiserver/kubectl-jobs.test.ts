// The real kubectl finds a Job's own pods: `kubectl logs job/x` follows the
// Job's spec.selector (it printed another pod's log when Jobs had none), and
// `kubectl get pods -l job-name=x` lists only the Job's pods. First over a
// bare registry (the Job controller reconciled directly, a log source naming
// the pod it serves), then on a whole cluster whose pods are real processes.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { startApiServer, kubeconfigFor } from '../../control/apiserver/index.ts';
import type { PodLogSource } from '../../control/apiserver/index.ts';
import { PODS } from '../../control/api/index.ts';
import type { Pod } from '../../control/api/index.ts';
import { createJobReconciler } from '../../control/controllers/index.ts';
import { markPodRunning } from '../controllers/cluster.ts';
import { findKubectl, KUBECTL_MISSING, kubectlFor } from './kubectl-runner.ts';
import { startCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';

const HELLO = `apiVersion: batch/v1
kind: Job
metadata:
  name: hello
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: hello
        image: busybox
        command: ["echo", "hello"]
`;

if (!findKubectl()) {
  t.fail(KUBECTL_MISSING);
} else {
  t.test('kubectl logs job/x and get pods -l job-name=x find the Job’s own pod', { timeout: 120_000 }, async (t) => {
    const registry = createRegistry({ store: new MemoryStore() });
    await registry.ensureNamespaces();
    const podLogs: PodLogSource = {
      async *stream(_namespace, pod) {
        yield `log of ${pod}\n`;
      },
    };
    const server = await startApiServer({ client: registry, token: 'jobs-token', podLogs });
    const dir = mkdtempSync(join(tmpdir(), 'meshlet-kubectl-jobs-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigFor({ server: server.url, token: 'jobs-token', caData: server.caData }));
    const kubectl = kubectlFor(kubeconfig);
    t.teardown(async () => {
      kubectl.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    // A running, ready pod of another app: the one kubectl preferred when the Job selected everything.
    const productpage = await registry.create<Pod>(PODS, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'productpage-v1-abcde', namespace: 'default', labels: { app: 'productpage' } },
      spec: { containers: [{ name: 'productpage', image: 'productpage' }] },
    });
    await markPodRunning(registry, productpage, { nodeName: 'node-1' });

    const applied = await kubectl.run(['apply', '-f', '-'], { stdin: HELLO });
    t.equal(applied.code, 0, applied.stderr);
    await createJobReconciler({ client: registry, recorder: { record: () => undefined } }).reconcile('default/hello');
    const jobPods = (await registry.list<Pod>(PODS, { namespace: 'default', labelSelector: 'batch.kubernetes.io/job-name=hello' })).items;
    t.equal(jobPods.length, 1, 'the Job made one pod');
    const jobPod = jobPods[0]!.metadata.name;

    const selector = await kubectl.run(['get', 'job', 'hello', '-o', 'jsonpath={.spec.selector.matchLabels}']);
    t.match(selector.stdout, /"batch\.kubernetes\.io\/controller-uid":"[0-9a-f-]{36}"/, selector.stderr);

    const logs = await kubectl.run(['logs', 'job/hello']);
    t.equal(logs.code, 0, logs.stderr);
    t.equal(logs.stdout, `log of ${jobPod}\n`, 'the Job’s own pod, not productpage');

    const listed = await kubectl.run(['get', 'pods', '-l', 'job-name=hello', '-o', 'name']);
    t.equal(listed.code, 0, listed.stderr);
    t.equal(listed.stdout, `pod/${jobPod}\n`);
  });

  t.test('on a running cluster, kubectl logs job/x prints what the Job’s process wrote', { timeout: 180_000 }, async (t) => {
    const cluster = await startCluster({
      nodes: 1,
      yaml: `apiVersion: v1
kind: Pod
metadata:
  name: productpage
  labels: {app: productpage}
spec:
  containers:
  - name: productpage
    image: productpage
    command: ["sh", "-c", "echo productpage log; exec sleep 300"]
`,
    });
    const kubectl = kubectlFor(cluster.kubeconfigPath);
    t.teardown(async () => {
      kubectl.close();
      await cluster.stop();
    });
    await waitFor('productpage logs', async () => (await kubectl.run(['logs', 'productpage'])).stdout.includes('productpage log'), { timeoutMs: 60_000, intervalMs: 500 });
    const job = HELLO.replace('command: ["echo", "hello"]', 'command: ["sh", "-c", "echo hello from the job"]');
    const applied = await kubectl.run(['apply', '-f', '-'], { stdin: job });
    t.equal(applied.code, 0, applied.stderr);
    const done = await kubectl.run(['wait', '--for=condition=complete', 'job/hello', '--timeout=90s'], { timeoutMs: 100_000 });
    t.equal(done.code, 0, done.stderr);
    const logs = await kubectl.run(['logs', 'job/hello']);
    t.equal(logs.code, 0, logs.stderr);
    t.equal(logs.stdout, 'hello from the job\n');
    const listed = await kubectl.run(['get', 'pods', '-l', 'job-name=hello', '-o', 'name']);
    t.match(listed.stdout, /^pod\/hello-[a-z0-9]{5}\n$/);
  });
}
