// `meshlet node join --store URL [--name NAME]`: run one node agent in this
// process, attached to a control plane that keeps its state in the same
// store (`meshlet up --store redis://…`). Its pods get IPs from its own
// subnet lease and run here; the control plane schedules onto it like any node.

import { hostname } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../api/index.ts';
import { openStore } from '../../store/index.ts';
import { createRegistry } from '../../registry/index.ts';
import { createPodRuntime, loadImageMap, builtinImageMapFile } from '../../agent/containers/index.ts';
import { createTracerPipeline } from '../../telemetry/index.ts';
import { ClusterState } from '../../cluster/cluster-state.ts';
import { InformerSet } from '../../runtime/index.ts';
import { createAuthorizationPolicySource, createMeshConfigSource, createNetworkPolicySource, createPolicySource, WATCHED_KINDS } from '../../cluster/sources.ts';
import { readJoinInfo } from '../../cluster/join-info.ts';
import { startNodeHost } from '../../cluster/node-host.ts';
import { SubnetAllocator } from '../../../overlay/ipam/index.ts';
import { MeshMetrics } from '../../../mesh/index.ts';
import { createRateLimitService } from '../../../mesh/ratelimit/index.ts';
import { str, strs, UsageError } from '../args.ts';
import type { CommandSpec, ParsedArgs } from '../args.ts';
import { meshletHome, processAlive, readNodeState, removeNodeState, runDir, writeNodeState } from '../home.ts';

export const nodeCommand: CommandSpec = {
  name: 'node',
  summary: 'run a node agent against a Redis-backed control plane',
  subcommands: [
    {
      name: 'join',
      summary: 'join this process as a node of the control plane behind --store',
      flags: [
        { names: ['--store'], key: 'store', kind: 'string', value: 'redis://…', help: "the control plane's Redis URL (meshlet up --store)" },
        { names: ['--name'], key: 'name', kind: 'string', value: 'NAME', help: 'node name (default: host name and pid)' },
        { names: ['--redis'], key: 'redis', kind: 'string', value: 'URL', help: 'Redis for global rate limits' },
        { names: ['--image-map'], key: 'imageMaps', kind: 'strings', value: 'FILE', help: 'extra image map (repeatable)' },
      ],
      run: joinNode,
    },
  ],
};

async function joinNode(args: ParsedArgs): Promise<number> {
  const url = str(args, 'store');
  if (!url || !/^(redis|rediss|unix):/.test(url)) {
    throw new UsageError('node join needs --store with the control plane\'s Redis URL (start it with "meshlet up --store redis://…")');
  }
  const home = meshletHome();
  const running = readNodeState(home);
  if (running && processAlive(running.pid)) throw new UsageError(`node ${running.name} already runs from ${home} (pid ${running.pid})`);
  const nodeName = str(args, 'name') ?? `${hostname().toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${process.pid}`;

  const store = await openStore({ url });
  const closers: (() => Promise<unknown> | unknown)[] = [() => store.close()];
  const stop = async () => {
    for (const close of closers.splice(0).reverse()) await Promise.resolve(close()).catch(() => undefined);
  };
  try {
    const info = await readJoinInfo(store);
    const registry = createRegistry({ store });
    const state = new ClusterState(new InformerSet(registry), WATCHED_KINDS);
    state.start();
    closers.push(() => state.stop());
    await state.waitForSync();
    const subnets = new SubnetAllocator({ store, clusterCidr: info.clusterCidr, subnetLength: info.nodeSubnetLength });
    closers.push(() => subnets.close());
    const userImageMap = join(home, 'images.yaml');
    const runtime = createPodRuntime({
      runDir: runDir(home),
      imageMap: loadImageMap([builtinImageMapFile(), userImageMap, ...strs(args, 'imageMaps')], { userFile: userImageMap }),
    });
    closers.push(() => runtime.close());
    // Spans leave this process only through OTLP (OTEL_EXPORTER_OTLP_ENDPOINT); the dashboard shows the control plane's.
    const tracing = createTracerPipeline({ serviceName: `meshlet-node-${nodeName}`, exporters: [] });
    closers.push(() => tracing.shutdown());
    const limiter = createRateLimitService({ source: createPolicySource(state), redisUrl: str(args, 'redis') });
    closers.push(() => limiter.close());
    const host = await startNodeHost({
      nodeName,
      client: registry,
      store,
      subnets,
      runtime,
      runDir: runDir(home),
      dns: info.dns,
      ...(info.serviceAccountToken ? { serviceAccountToken: async () => info.serviceAccountToken! } : {}),
      meshConfig: createMeshConfigSource(state),
      tracerFor: (serviceName) => tracing.tracerFor(serviceName),
      metrics: new MeshMetrics(),
      rateLimit: limiter,
      authorizationPolicies: createAuthorizationPolicySource(state),
      networkPolicies: createNetworkPolicySource(state),
      clock: systemClock,
      leaseRenewMs: info.nodeLeaseRenewMs,
    });
    // SIGTERM / `meshlet down` is a graceful node shutdown: pods stop and are reported, the node goes NotReady.
    closers.push(() => host.drain());
    writeNodeState(home, { pid: process.pid, name: nodeName, store: url, podCidr: host.node.podCidr });
    closers.push(() => removeNodeState(home));
    process.stdout.write(`meshlet: node ${nodeName} joined (pod subnet ${host.node.podCidr}, home ${home}); stop with "meshlet down"\n`);
  } catch (err) {
    await stop();
    throw err;
  }
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    void stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  return new Promise<number>(() => {
    // Runs until a signal stops it.
  });
}
