// Acceptance: the real kubectl binary drives a running meshlet cluster —
// apply (twice, no flags), get -o wide, get -w, describe, logs, server-side
// apply, scale, rollout status, an invalid manifest (422), delete -f.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { findKubectl, KUBECTL_MISSING, kubectlFor } from './kubectl-runner.ts';
import { PODS } from '../../control/api/index.ts';

const BOOKINFO = join(process.cwd(), '..', 'shared', 'reference', 'istio-samples', 'bookinfo', 'platform', 'kube', 'bookinfo.yaml');

if (!findKubectl()) {
  t.fail(KUBECTL_MISSING);
} else {
  t.test('kubectl against meshlet', { timeout: 240_000 }, async (t) => {
    t.ok(readFileSync(BOOKINFO, 'utf8').includes('productpage'), `reference manifest at ${BOOKINFO}`);
    const cluster = await startCluster({ nodes: 2 });
    // Pod IPs come from this cluster's CIDR (its address slot), e.g. 127.244.x.y.
    const podIpPattern = `${cluster.clusterCidr.split('.').slice(0, 2).join('\\.')}\\.\\d+\\.\\d+`;
    const podIpInRow = new RegExp(`\\s${podIpPattern}\\s`);
    const kubectl = kubectlFor(cluster.kubeconfigPath);
    t.teardown(async () => {
      kubectl.close();
      await cluster.stop();
    });

    const first = await kubectl.run(['apply', '-f', BOOKINFO]);
    t.equal(first.code, 0, first.stderr);
    t.match(first.stdout, /deployment\.apps\/productpage-v1 created/);
    t.equal(first.stderr, '', 'no warnings on apply');

    const second = await kubectl.run(['apply', '-f', BOOKINFO]);
    t.equal(second.code, 0, second.stderr);
    t.equal(second.stderr, '', 'no warnings on re-apply');
    const lines = second.stdout.trim().split('\n');
    t.ok(lines.length >= 14 && lines.every((l) => l.endsWith(' unchanged')), second.stdout);

    let lastPods = '';
    const wide = await waitFor('six bookinfo pods Running with IPs', async () => {
      const r = await kubectl.run(['get', 'pods', '-o', 'wide']);
      lastPods = r.stdout + r.stderr;
      const rows = r.stdout.trim().split('\n');
      const running = rows.slice(1).filter((row) => /\sRunning\s/.test(row) && podIpInRow.test(row));
      return running.length >= 6 ? rows : undefined;
    }, { timeoutMs: 90_000, intervalMs: 500 }).catch((err: Error) => {
      throw new Error(`${err.message}\nlast kubectl get pods -o wide:\n${lastPods}`);
    });
    t.match(wide[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    t.match(wide.find((r) => r.startsWith('productpage-v1-')), new RegExp(`^productpage-v1-\\S+\\s+\\d/\\d\\s+Running\\s+\\d+\\s+\\S+\\s+${podIpPattern}\\s+\\S+\\s+<none>\\s+<none>$`));

    const pods = await cluster.client.list(PODS, { namespace: 'default', labelSelector: 'app=ratings' });
    const ratingsPod = pods.items[0]!.metadata.name;
    const watcher = kubectl.spawn(['get', 'pods', '-w', '-l', 'app=ratings']);
    let watched = '';
    watcher.stdout.on('data', (chunk: Buffer) => (watched += chunk.toString()));
    t.teardown(() => void watcher.kill());
    await waitFor('get -w lists the ratings pod', () => watched.includes(ratingsPod), { timeoutMs: 15_000 });
    const before = watched.split('\n').filter(Boolean).length;
    await cluster.client.patch(PODS, 'default', ratingsPod, 'merge', { metadata: { labels: { touched: 'yes' } } });
    await waitFor('get -w prints the changed pod', () => watched.split('\n').filter((l) => l.startsWith(ratingsPod)).length >= 2, { timeoutMs: 15_000 });
    t.ok(watched.split('\n').filter(Boolean).length > before, 'a new watch line after the change');
    watcher.kill();

    const describe = await waitFor('describe shows events', async () => {
      const r = await kubectl.run(['describe', 'pod', ratingsPod]);
      return /Events:\s*\n\s+Type\s+Reason/.test(r.stdout) ? r : undefined;
    }, { timeoutMs: 20_000, intervalMs: 500 });
    t.match(describe.stdout, /Name:\s+ratings-v1-/);
    t.match(describe.stdout, new RegExp(`IP:\\s+${podIpPattern}`));

    const logs = await kubectl.run(['logs', ratingsPod, '--tail=20']);
    t.equal(logs.code, 0, logs.stderr);
    t.ok(logs.stdout.length > 0, 'logs are not empty');

    const ssa = await kubectl.run(['apply', '--server-side', '-f', BOOKINFO]);
    t.equal(ssa.code, 0, ssa.stderr);
    t.match(ssa.stdout, /deployment\.apps\/reviews-v3 serverside-applied/);

    const scaled = await kubectl.run(['scale', 'deployment', 'reviews-v3', '--replicas=2']);
    t.equal(scaled.code, 0, scaled.stderr);
    t.match(scaled.stdout, /deployment\.apps\/reviews-v3 scaled/);
    const rollout = await kubectl.run(['rollout', 'status', 'deployment/reviews-v3', '--timeout=90s'], { timeoutMs: 100_000 });
    t.equal(rollout.code, 0, rollout.stderr);
    t.match(rollout.stdout, /successfully rolled out/);
    const deploy = await kubectl.run(['get', 'deployment', 'reviews-v3']);
    t.match(deploy.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nreviews-v3\s+2\/2\s+2\s+2\s+\S+\n$/);

    const bad = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: broken\nspec:\n  selector: {app: x}\n  ports:\n  - port: 70000\n';
    const invalid = await kubectl.run(['apply', '-f', '-', '-v=6'], { stdin: bad });
    t.not(invalid.code, 0);
    t.match(invalid.stderr, /422 Unprocessable Entity/);
    t.match(invalid.stderr, /The Service "broken" is invalid: [^]*spec\.ports\[0\]\.port: Invalid value: 70000/);

    const deleted = await kubectl.run(['delete', '-f', BOOKINFO], { timeoutMs: 120_000 });
    t.equal(deleted.code, 0, deleted.stderr);
    t.match(deleted.stdout, /deployment\.apps "productpage-v1" deleted/);
    await waitFor('deployments gone', async () => /No resources found/.test((await kubectl.run(['get', 'deployments'])).stderr), { timeoutMs: 30_000, intervalMs: 500 });
  });
}
