// The Kubernetes HPA walkthrough, end to end with real kubectl against
// `meshlet up`: php-apache.yaml applied unchanged (its image mapped to
// examples/hpa-example), `kubectl autoscale … --cpu-percent=50 --min=1
// --max=10`, `kubectl get hpa` TARGETS and `kubectl top`, then a bounded load
// (loopback, at most MAX_REQUESTS and LOAD_DEADLINE_MS) until replicas rise,
// and back to one replica once it stops. Sync, sampling and the downscale
// window are shortened by `up`'s flags; CPU share on a busy 2-core machine
// varies, so the test waits on outcomes (more than one replica, then one)
// rather than on exact counts.

import t from 'tap';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, meshlet } from '../helpers/meshlet-cli.ts';
import { REFERENCE_ROOT } from '../helpers/reference.ts';
import { waitFor } from '../helpers/wait.ts';

const MAX_REQUESTS = 20_000;
const LOAD_DEADLINE_MS = 150_000;
const CONCURRENCY = 4;

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Requests in CONCURRENCY loops until stopped, the budget is spent or the deadline passes. */
function startLoad(url: string): { stop(): Promise<{ sent: number; ok: number }> } {
  let stopped = false;
  let sent = 0;
  let ok = 0;
  const deadline = Date.now() + LOAD_DEADLINE_MS;
  const loop = async () => {
    while (!stopped && sent < MAX_REQUESTS && Date.now() < deadline) {
      sent++;
      if ((await get(url)) === 200) ok++;
    }
  };
  const loops = Array.from({ length: CONCURRENCY }, loop);
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return { sent, ok };
    },
  };
}

t.test('php-apache scales up under load and back down after it', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-hpa-'));
  t.teardown(async () => {
    await meshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  const manifest = join(REFERENCE_ROOT, 'kubernetes-examples', 'php-apache.yaml');
  const up = await meshlet(home, [
    'up', '--detach', '--nodes', '1', '--quiet',
    '--metric-resolution', '3s',
    '--horizontal-pod-autoscaler-sync-period', '3s',
    '--horizontal-pod-autoscaler-downscale-stabilization', '20s',
    '-f', manifest,
  ]);
  t.equal(up.code, 0, `up: ${up.stderr}`);

  const autoscale = await kubectl(home, ['autoscale', 'deployment', 'php-apache', '--cpu-percent=50', '--min=1', '--max=10']);
  t.equal(autoscale.code, 0, autoscale.stderr);
  t.match(autoscale.stdout, 'horizontalpodautoscaler.autoscaling/php-apache autoscaled');

  // TARGETS shows the measured utilization once a window of samples exists.
  const table = await waitFor('kubectl get hpa to show a CPU reading', async () => {
    const r = await kubectl(home, ['get', 'hpa']);
    return /cpu: \d+%\/50%/.test(r.stdout) ? r.stdout : undefined;
  }, { timeoutMs: 90_000, intervalMs: 1_000 });
  t.match(table, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\n/);
  t.match(table, /php-apache\s+Deployment\/php-apache\s+cpu: \d+%\/50%\s+1\s+10\s+1\s+/);

  const top = await kubectl(home, ['top', 'pod', '--containers']);
  t.equal(top.code, 0, top.stderr);
  t.match(top.stdout, /^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\n/);
  t.match(top.stdout, /php-apache-\S+\s+php-apache\s+\d+m\s+\d+Mi/);
  const nodes = await kubectl(home, ['top', 'nodes']);
  t.equal(nodes.code, 0, nodes.stderr);
  t.match(nodes.stdout, /node-1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);

  const clusterIp = (await kubectl(home, ['get', 'service', 'php-apache', '-o', 'jsonpath={.spec.clusterIP}'])).stdout.trim();
  t.match(clusterIp, /^127\.\d+\.\d+\.\d+$/, 'a loopback ClusterIP');
  t.equal(await get(`http://${clusterIp}/`), 200, 'php-apache answers');

  const load = startLoad(`http://${clusterIp}/`);
  let scaledTo = 0;
  try {
    scaledTo = await waitFor('the HPA to scale php-apache up', async () => {
      const r = await kubectl(home, ['get', 'deployment', 'php-apache', '-o', 'jsonpath={.spec.replicas}']);
      const n = Number(r.stdout);
      return n > 1 ? n : undefined;
    }, { timeoutMs: LOAD_DEADLINE_MS, intervalMs: 1_000 });
  } finally {
    const { sent, ok } = await load.stop();
    t.ok(ok > 0, `load generator: ${ok}/${sent} requests answered`);
  }
  t.ok(scaledTo > 1 && scaledTo <= 10, `scaled up to ${scaledTo}`);
  const events = await kubectl(home, ['get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale', '-o', 'jsonpath={.items[*].message}']);
  t.match(events.stdout, /New size: \d+; reason: cpu resource utilization \(percentage of request\) above target/);

  await waitFor('php-apache to scale back to one replica', async () => {
    const r = await kubectl(home, ['get', 'deployment', 'php-apache', '-o', 'jsonpath={.spec.replicas}']);
    return r.stdout.trim() === '1';
  }, { timeoutMs: 150_000, intervalMs: 1_000 });
  // Events are written after the scale, best effort (as the real recorder): wait for it.
  const down = await waitFor('the scale-down event', async () => {
    const r = await kubectl(home, ['get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale', '-o', 'jsonpath={.items[*].message}']);
    return r.stdout.includes('New size: 1;') ? r.stdout : undefined;
  }, { timeoutMs: 30_000, intervalMs: 1_000 });
  t.match(down, /New size: 1; reason: All metrics below target/);
});
