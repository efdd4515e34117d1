// Boots a whole meshlet cluster in-process from a YAML string, on free ports
// and its own address slot and MESHLET_HOME, for integration tests.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster as bootCluster } from '../../control/cluster/cluster.ts';
import type { RunningCluster, ClusterOptions } from '../../control/cluster/cluster.ts';
import { parseManifestText } from '../../control/cluster/manifests.ts';
import type { Client } from '../../control/api/index.ts';

export interface TestCluster extends RunningCluster {
  client: Client;
  apiUrl: string;
  stop(): Promise<void>;
}

export async function startTestCluster(
  options: { yaml?: string; nodes?: number } & Partial<Omit<ClusterOptions, 'home' | 'manifests'>> = {},
): Promise<TestCluster> {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-test-'));
  const { yaml, ...rest } = options;
  const manifests = yaml ? parseManifestText(yaml, 'test manifest').map((m) => m.object) : [];
  let cluster: RunningCluster;
  try {
    cluster = await bootCluster({ nodes: 2, probeTimeScale: 0.05, ...rest, home, manifests, log: () => undefined });
  } catch (err) {
    rmSync(home, { recursive: true, force: true });
    throw err;
  }
  const failed = cluster.applied.filter((r) => r.action === 'failed');
  if (failed.length) {
    await cluster.stop();
    rmSync(home, { recursive: true, force: true });
    throw new Error(`test manifest failed to apply: ${failed.map((f) => `${f.ref}: ${f.error?.message}`).join('; ')}`);
  }
  return Object.assign(Object.create(Object.getPrototypeOf(cluster) as object) as object, cluster, {
    client: cluster.registry,
    apiUrl: cluster.apiServer.url,
    async stop() {
      await cluster.stop();
      rmSync(home, { recursive: true, force: true });
    },
  }) as TestCluster;
}

/** startCluster({ yaml, nodes }) → a running cluster with `client`, `ingressUrl`, `dns`, `stop()`. */
export const startCluster = startTestCluster;
