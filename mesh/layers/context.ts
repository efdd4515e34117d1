// What flows through the request layers: one MeshRequest per downstream
// request (mutated as layers learn more about it) and a MeshResponse value.

import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { WorkloadInfo } from '../config/identity.ts';
import type { Cluster, CompiledHttpRoute, EndpointInfo, RouteTable, ServiceInfo, WeightedDestination } from '../config/table.ts';
import type { ResponseFlag } from './errors.ts';

export type Direction = 'outbound' | 'inbound';

export interface MeshRequest {
  readonly direction: Direction;
  /** The table this request runs on: taken once at accept, so a config swap never changes it mid-request. */
  readonly table: RouteTable;
  method: string;
  /** Origin-form path with query, after any rewrite. */
  path: string;
  readonly originalPath: string;
  scheme: string;
  authority: string;
  readonly originalAuthority: string;
  /** Destination port: the service port (outbound) or the workload port (inbound). */
  port: number;
  /** Outgoing request headers (lower-case names); layers edit them. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  readonly remoteAddress: string;
  readonly startMs: number;
  /** Set by identify-source. */
  source?: WorkloadInfo;
  service?: ServiceInfo;
  /** Inbound: the service port this workload port stands for. */
  servicePort?: number;
  route?: CompiledHttpRoute;
  destination?: WeightedDestination;
  cluster?: Cluster;
  endpoint?: EndpointInfo;
  /** Unknown host sent to its own address (ALLOW_ANY, loopback only). */
  passthrough?: { host: string; port: number };
  /** Aborts the current upstream attempt (set by timeout/retry). */
  signal?: AbortSignal;
  attempts: number;
  /** Endpoints (`ip:port`) earlier tries of this request went to; retries avoid them (Istio's previous_hosts predicate). */
  triedEndpoints?: Set<string>;
  /** Clusters whose retry budget this request holds a slot of. */
  retrySlots?: string[];
  flags: Set<ResponseFlag>;
  /** Mirror copies never produce telemetry of their own beyond a log line. */
  readonly shadow?: boolean;
  /** Free-form notes for the access log and explain (`retry 1: 503`). */
  notes: string[];
}

export interface MeshResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  /** A buffer for local replies, a stream for upstream bodies. */
  body?: Buffer | Readable;
  /** True when the proxy made the response itself. */
  local?: boolean;
  /** Reset the downstream connection instead of writing this response. */
  reset?: boolean;
  /** Called once the response has been written (or the client went away). */
  onFinished?: ((bytesSent: number, error?: Error) => void)[];
}

export type Handler = (req: MeshRequest) => Promise<MeshResponse>;

export interface Layer {
  readonly name: string;
  wrap(next: Handler): Handler;
}

export function addFinishedHook(res: MeshResponse, hook: (bytesSent: number, error?: Error) => void): void {
  (res.onFinished ??= []).push(hook);
}

export function headerString(headers: MeshRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
