// Usage of nodes hosted by other processes (`meshlet node join`): every metric
// resolution the control plane reads each such node's /stats/usage on its
// kubelet endpoint (the Node's InternalIP and daemonEndpoints port, as
// metrics-server scrapes kubelets) and keeps the last report. A node that
// does not answer keeps no report: its pods have no metrics until it does.

import { request } from 'node:http';
import type { Clock, Node, Timer } from '../api/index.ts';
import { USAGE_PATH } from '../agent/index.ts';
import type { NodeUsageReport } from '../agent/index.ts';

const SCRAPE_TIMEOUT_MS = 5_000;

export interface RemoteUsageOptions {
  nodes(): readonly Node[];
  isLocalNode(name: string): boolean;
  clock: Clock;
  resolutionMs: number;
}

function endpointOf(node: Node): { host: string; port: number } | undefined {
  const host = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = (node.status as { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined)?.daemonEndpoints?.kubeletEndpoint?.Port;
  return host && port ? { host, port } : undefined;
}

export function scrapeNodeUsage(host: string, port: number): Promise<NodeUsageReport> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: USAGE_PATH, agent: false, timeout: SCRAPE_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`node usage endpoint ${host}:${port} answered ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as NodeUsageReport);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`node usage endpoint ${host}:${port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export class RemoteUsage {
  private readonly options: RemoteUsageOptions;
  private readonly reports = new Map<string, NodeUsageReport>();
  private timer: Timer | undefined;
  private stopped = false;
  private polling = false;

  constructor(options: RemoteUsageOptions) {
    this.options = options;
  }

  start(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(this.options.resolutionMs, () => {
      void this.poll().finally(() => this.start());
    });
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** One round of scrapes (also called by tests). */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const remote = this.options.nodes().filter((n) => !this.options.isLocalNode(n.metadata.name));
      const names = new Set(remote.map((n) => n.metadata.name));
      for (const name of [...this.reports.keys()]) if (!names.has(name)) this.reports.delete(name);
      await Promise.all(
        remote.map(async (node) => {
          const endpoint = endpointOf(node);
          if (!endpoint) return;
          try {
            this.reports.set(node.metadata.name, await scrapeNodeUsage(endpoint.host, endpoint.port));
          } catch {
            this.reports.delete(node.metadata.name);
          }
        }),
      );
    } finally {
      this.polling = false;
    }
  }

  current(): NodeUsageReport[] {
    return [...this.reports.values()];
  }
}
