// upstream: the terminal handler. Sends one attempt through the http-proxy
// adapter: to a meshed endpoint's sidecar (ip:15006, workload port in a
// header), straight to an unmeshed endpoint, or to a passthrough address.

import type { OutgoingHttpHeaders } from 'node:http';
import type { Direction, Handler } from './context.ts';
import type { LayerDeps } from './deps.ts';
import { ORIGINAL_PORT_HEADER, PEER_HEADER } from './deps.ts';
import type { WorkloadInfo } from '../config/identity.ts';
import { MeshError, UpstreamError } from './errors.ts';
import { canonicalLabels } from '../telemetry/canonical.ts';

const peerCache = new WeakMap<WorkloadInfo, string>();

function peerHeader(self: WorkloadInfo): string {
  let v = peerCache.get(self);
  if (v === undefined) {
    const { workload, namespace, app, version, principal } = self;
    v = Buffer.from(JSON.stringify({ workload, namespace, app, version, principal, labels: canonicalLabels(self) })).toString('base64');
    peerCache.set(self, v);
  }
  return v;
}

function selfLoopError(direction: Direction, host: string, port: number): MeshError {
  const hint = direction === 'inbound'
    ? `a request to the inbound listener must carry ${ORIGINAL_PORT_HEADER} (the workload port), or name the workload port in its Host`
    : 'the outbound listener does not proxy to itself';
  const body = `meshlet: refusing to forward to ${host}:${port}, this proxy's own listener (${hint})\n`;
  return new MeshError('NR', `mesh/upstream: ${host}:${port} is this proxy's own listener`, { status: 502, body, code: 'MESH_PROXY_LOOP' });
}

/** Hop-by-hop headers are not forwarded (RFC 9110 §7.6.1), nor proxy-only ones; `expect` was answered when the body was read. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'transfer-encoding', 'expect'];

export function upstreamHandler(deps: LayerDeps): Handler {
  return async (req) => {
    let host: string;
    let port: number;
    let meshedHop = false;
    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.includes(k)) headers[k] = v;
    headers.host = req.authority;
    if (req.body.length > 0 || headers['content-length'] !== undefined) headers['content-length'] = String(req.body.length);
    if (req.passthrough) {
      host = req.passthrough.host;
      port = req.passthrough.port;
    } else if (req.endpoint) {
      const e = req.endpoint;
      const egress = req.direction === 'outbound' ? deps.networkPolicy?.egress(e.address, e.port, e.meshed) : undefined;
      if (egress && !egress.allowed) {
        throw new UpstreamError('connect-failure', `mesh/netpol: egress to ${e.address}:${e.port} denied by ${egress.policies.join(', ')}`);
      }
      if (e.meshed && req.direction === 'outbound') {
        host = e.address;
        port = deps.inboundPort;
        meshedHop = true;
        headers[ORIGINAL_PORT_HEADER] = String(e.port);
        headers[PEER_HEADER] = peerHeader(req.table.self);
      } else {
        host = e.address;
        port = e.port;
      }
    } else {
      throw new MeshError('UH', 'mesh/upstream: no endpoint chosen');
    }
    // The hop to a meshed endpoint's inbound listener may be our own (a pod
    // calling its own service); every other target must not be one of our
    // listeners, or each request would fan out into sockets until fds run out.
    if (!meshedHop && deps.ownListeners?.has(`${host}:${port}`)) throw selfLoopError(req.direction, host, port);
    const started = deps.clock.now();
    const res = await deps.upstream.send({
      method: req.method,
      path: req.path,
      headers,
      body: req.body,
      host,
      port,
      localAddress: deps.localAddress,
      signal: req.signal,
    });
    req.notes.push(`upstream ${host}:${port} ${res.status} in ${deps.clock.now() - started} ms`);
    const out: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !HOP_BY_HOP.includes(k)) out[k] = v;
    return { status: res.status, headers: out, body: res.body };
  };
}
