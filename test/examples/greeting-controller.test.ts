// Acceptance for issue 11's "controllers deployed as a pod": the example
// Greeting controller (examples/greeting-controller/, written with
// @kubernetes/client-node and in-cluster config only) runs as a 2-replica
// Deployment on a real `meshlet up`, driven by real kubectl. Exactly one
// replica holds the Lease and reconciles Greetings into ConfigMaps and status;
// deleting the leader hands the Lease to the other replica within the lease
// duration, which reconciles the next Greeting; the replacement pod follows.
// Nothing is faked: without the service-account mount, KUBERNETES_SERVICE_HOST
// or CRDs the controller cannot start and every wait below times out.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { upDetached } from '../helpers/meshlet-cli.ts';
import { waitFor } from '../helpers/wait.ts';
import { findKubectl, KUBECTL_MISSING, kubectlFor } from '../apiserver/kubectl-runner.ts';
import { REPO_ROOT } from './program-process.ts';

const EXAMPLE = join(REPO_ROOT, 'examples/greeting-controller');
const SELECTOR = 'app=greeting-controller';

interface PodList { items: { metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string } }[] }
interface Lease { spec?: { holderIdentity?: string; leaseDurationSeconds?: number } }
interface Greeting { status?: { handledBy?: string; configMap?: string; text?: string; observedGeneration?: number; conditions?: { type: string; status: string; reason?: string }[] } }

if (!findKubectl()) {
  t.fail(KUBECTL_MISSING);
} else {
  t.test('the Greeting controller runs in-cluster with leader election', { timeout: 420_000 }, async (t) => {
    const home = await upDetached(t, 'meshlet-greeting-');
    const kubectl = kubectlFor(join(home, 'kubeconfig'));
    t.teardown(() => kubectl.close());
    const json = async <T>(args: string[]): Promise<T> => {
      const r = await kubectl.run([...args, '-o', 'json']);
      if (r.code !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as T;
    };
    const runningPods = async (): Promise<string[]> =>
      (await json<PodList>(['get', 'pods', '-l', SELECTOR])).items
        .filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp)
        .map((p) => p.metadata.name);
    const holder = async (): Promise<string> => (await json<Lease>(['get', 'lease', 'greeting-controller'])).spec?.holderIdentity ?? '';
    const logs = async (pod: string): Promise<string> => (await kubectl.run(['logs', pod])).stdout;

    const applied = await kubectl.run(['apply', '-f', join(EXAMPLE, 'greeting-controller.yaml')]);
    t.equal(applied.code, 0, applied.stderr);
    t.match(applied.stdout, 'customresourcedefinition.apiextensions.k8s.io/greetings.examples.meshlet.dev created');
    t.match(applied.stdout, 'deployment.apps/greeting-controller created');

    const pods = await waitFor('both replicas Running', async () => {
      const names = await runningPods();
      return names.length === 2 ? names : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    const leader = await waitFor('a replica holds the Lease', async () => {
      const h = await holder();
      return pods.includes(h) ? h : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    const follower = pods.find((p) => p !== leader) ?? '';
    t.ok(follower, 'the other replica is a follower');
    t.match(await logs(leader), 'became leader', 'the leader says so');
    const followerLog = await waitFor('the follower sees the leader', async () => {
      const text = await logs(follower);
      return text.includes(`following: the leader is ${leader}`) ? text : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    t.notMatch(followerLog, 'became leader', 'only one replica leads');
    t.match(followerLog, /API server https:\/\/127\.\d+\.0\.1:443/, 'loadFromCluster found the kubernetes Service');

    const reconciled = async (name: string, by: string, text: string): Promise<Greeting> => {
      await waitFor(`ConfigMap greeting-${name}`, async () => {
        const r = await kubectl.run(['get', 'configmap', `greeting-${name}`, '-o', 'jsonpath={.data.text}']);
        return r.code === 0 && r.stdout === text;
      }, { timeoutMs: 60_000, intervalMs: 500 });
      return waitFor(`status of Greeting ${name} written by ${by}`, async () => {
        const g = await json<Greeting>(['get', 'greeting', name]);
        return g.status?.handledBy === by && g.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? g : undefined;
      }, { timeoutMs: 60_000, intervalMs: 500 });
    };

    const hello = await kubectl.run(['apply', '-f', join(EXAMPLE, 'greeting.yaml')]);
    t.equal(hello.code, 0, hello.stderr);
    const first = await reconciled('hello', leader, 'Hello, meshlet!');
    t.equal(first.status?.configMap, 'greeting-hello');
    t.equal(first.status?.observedGeneration, 1);
    const table = await kubectl.run(['get', 'greetings']);
    t.match(table.stdout, new RegExp(`\\nhello\\s+Hello, meshlet!\\s+True\\s+${leader}\\s`), 'printer columns show the status');
    const owner = await json<{ metadata: { ownerReferences?: { kind: string; name: string; controller?: boolean }[] } }>(['get', 'configmap', 'greeting-hello']);
    t.same(owner.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.controller]), [['Greeting', 'hello', true]], 'the ConfigMap is owned by its Greeting');

    // The leader's last words are read live: it hands the Lease back on SIGTERM.
    const leaderLogs = kubectl.spawn(['logs', '-f', leader]);
    let lastWords = '';
    leaderLogs.stdout.on('data', (chunk: Buffer) => (lastWords += chunk.toString()));
    t.teardown(() => void leaderLogs.kill());
    const leaseSeconds = (await json<Lease>(['get', 'lease', 'greeting-controller'])).spec?.leaseDurationSeconds ?? 0;
    t.ok(leaseSeconds > 0, 'the Lease has a duration');
    const deletedAt = Date.now();
    const deleted = await kubectl.run(['delete', 'pod', leader, '--wait=false']);
    t.equal(deleted.code, 0, deleted.stderr);
    await waitFor('the follower takes the Lease', async () => (await holder()) === follower, { timeoutMs: 60_000, intervalMs: 200 });
    const takeoverMs = Date.now() - deletedAt;
    t.ok(takeoverMs < leaseSeconds * 1000, `the follower led ${takeoverMs} ms after the delete, within the ${leaseSeconds} s lease`);
    await waitFor('the old leader released the Lease', () => lastWords.includes('released lease'), { timeoutMs: 30_000, intervalMs: 200 });

    writeFileSync(join(home, 'second.yaml'), 'apiVersion: examples.meshlet.dev/v1\nkind: Greeting\nmetadata: { name: second }\nspec: { message: Bonjour }\n');
    const second = await kubectl.run(['apply', '-f', join(home, 'second.yaml')]);
    t.equal(second.code, 0, second.stderr);
    const reconciledSecond = await reconciled('second', follower, 'Bonjour, world!');
    t.equal(reconciledSecond.status?.text, 'Bonjour, world!', 'the schema default filled spec.recipient');
    t.match(await logs(follower), 'became leader');

    const replacement = await waitFor('the Deployment replaced the deleted pod', async () => {
      const names = await runningPods();
      return names.length === 2 && !names.includes(leader) ? names.find((n) => n !== follower) : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    const replacementLog = await waitFor('the replacement follows', async () => {
      const text = await logs(replacement);
      return text.includes(`following: the leader is ${follower}`) ? text : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    t.notMatch(replacementLog, 'became leader', 'the replacement joined as a follower');
    t.equal(await holder(), follower, 'the Lease stays with the new leader');
  });
}
