// Hosts one node agent: leases the node's subnet, hands out pod IPs from it,
// gives each pod its network environment and sidecar, and runs the agent.
// `meshlet up` hosts N of these in its own process; `meshlet node join` hosts
// one in another process that shares the control plane's store.

import { join } from 'node:path';
import type { Tracer } from '@opentelemetry/api';
import type { Client, Clock, Store } from '../api/index.ts';
import { NodeAgent, startNodeLogServer, KUBELET_PORT, UsageSampler } from '../agent/index.ts';
import type { NodeLogServer, NodeUsageReport, ServiceAccountTokenSource } from '../agent/index.ts';
import { podLogSource } from '../agent/containers/index.ts';
import type { PodRuntime } from '../agent/containers/index.ts';
import { PodIpAllocator } from '../../overlay/ipam/index.ts';
import type { SubnetAllocator } from '../../overlay/ipam/index.ts';
import { podNetworkEnv } from '../../overlay/index.ts';
import { startSidecar, traceServiceName, workloadOfPod } from '../../mesh/index.ts';
import type { ConfigSource, MeshMetrics } from '../../mesh/index.ts';
import type { RateLimitService } from '../../mesh/ratelimit/index.ts';
import { createAuthorizationCheck, createNetworkPolicyCheck } from '../../mesh/security/index.ts';
import type { AuthorizationPolicySource, NetworkPolicySource } from '../../mesh/security/index.ts';

export interface NodeHostOptions {
  nodeName: string;
  client: Client;
  store: Store;
  subnets: SubnetAllocator;
  runtime: PodRuntime;
  runDir: string;
  dns: { host: string; port: number };
  meshConfig: ConfigSource;
  /** A tracer reporting as one workload's service (`productpage.default`), as Istio's proxies do. */
  tracerFor: (serviceName: string) => Tracer;
  metrics: MeshMetrics;
  rateLimit: RateLimitService;
  authorizationPolicies: AuthorizationPolicySource;
  /** NetworkPolicies, pods and namespaces, for the sidecars' NetworkPolicy checks. */
  networkPolicies: NetworkPolicySource;
  clock: Clock;
  labels?: Record<string, string>;
  /** How often the node renews its heartbeat Lease. Default 10 s (the kubelet's). */
  leaseRenewMs?: number;
  /** Tokens for pods' kube-api-access volumes; absent → such pods fail with FailedMount. */
  serviceAccountToken?: ServiceAccountTokenSource;
  /** How often container usage is sampled (the window of metrics.k8s.io figures). Default 15 s. */
  metricResolutionMs?: number;
}

export interface NodeHost {
  readonly node: { name: string; podCidr: string; address: string };
  readonly agent: NodeAgent;
  /** CPU and memory of this node's containers over the last window (metrics.k8s.io's source). */
  readonly usage: UsageSampler;
  stop(): Promise<void>;
  /** Graceful node shutdown: NotReady, pods terminated and reported, then stopped. */
  drain(): Promise<void>;
}

export async function startNodeHost(options: NodeHostOptions): Promise<NodeHost> {
  const { nodeName, runDir } = options;
  const lease = await options.subnets.acquire(nodeName);
  const podIps = new PodIpAllocator({ store: options.store, subnet: lease.subnet });
  // Started once the agent runs; the log server publishes its reports for other processes.
  const usage = new UsageSampler({ nodeName, clock: options.clock, resolutionMs: options.metricResolutionMs, subjects: () => agent.usageSubjects() });
  const logServer = await startLogServer(lease.gateway, options.runtime, () => usage.report());
  const agent = new NodeAgent({
    kubeletPort: logServer.port,
    // The control plane runs the attach/detach controller, so a ReadWriteOnce volume waits for its node.
    waitForVolumeAttach: true,
    client: options.client,
    nodeName,
    nodeAddress: lease.gateway,
    podCidr: lease.subnet,
    podIps,
    runtime: options.runtime,
    clock: options.clock,
    labels: options.labels,
    heartbeatMs: options.leaseRenewMs,
    clusterDns: options.dns,
    serviceAccountToken: options.serviceAccountToken,
    networkEnv: async (pod, podIp, sidecarOutbound) =>
      (
        await podNetworkEnv({
          pod,
          podIp,
          dns: options.dns,
          sidecarOutbound,
          runDir: join(runDir, 'pods', `${pod.metadata.namespace ?? 'default'}_${pod.metadata.name}_${pod.metadata.uid}`),
        })
      ).env,
    startSidecar: async (pod, podIp) => {
      const identity = {
        kind: 'sidecar' as const,
        name: pod.metadata.name,
        namespace: pod.metadata.namespace ?? 'default',
        labels: pod.metadata.labels ?? {},
        ip: podIp,
        serviceAccount: pod.spec?.serviceAccountName ?? 'default',
      };
      // The check subscribes to policy changes; it lives exactly as long as the sidecar.
      const authorization = createAuthorizationCheck({ source: options.authorizationPolicies, identity });
      const networkPolicy = createNetworkPolicyCheck(options.networkPolicies, podIp);
      try {
        const sidecar = await startSidecar({
          identity,
          podIp,
          config: options.meshConfig,
          tracer: options.tracerFor(traceServiceName(workloadOfPod(pod))),
          metrics: options.metrics,
          rateLimit: options.rateLimit,
          authorization,
          networkPolicy,
          clock: options.clock,
        });
        return {
          close: async () => {
            authorization.close();
            networkPolicy.close();
            await sidecar.close();
          },
        };
      } catch (err) {
        authorization.close();
        networkPolicy.close();
        throw err;
      }
    },
  });
  try {
    await agent.start();
  } catch (err) {
    // The caller only stops hosts that started: close what this one opened so far.
    await logServer.close();
    throw err;
  }
  usage.start();
  const sampler = usage;
  return {
    node: { name: nodeName, podCidr: lease.subnet, address: lease.gateway },
    agent,
    usage: sampler,
    async stop() {
      sampler.stop();
      await agent.stop();
      await logServer.close();
    },
    async drain() {
      sampler.stop();
      await agent.drain();
      await logServer.close();
    },
  };
}

/** The kubelet's port 10250 on the node's own address; a free port when that one is taken. */
async function startLogServer(host: string, runtime: PodRuntime, usage: () => NodeUsageReport): Promise<NodeLogServer> {
  try {
    return await startNodeLogServer({ host, port: KUBELET_PORT, logs: podLogSource(runtime), usage });
  } catch {
    return startNodeLogServer({ host, port: 0, logs: podLogSource(runtime), usage });
  }
}
