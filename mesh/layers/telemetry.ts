// telemetry: last in the request path, so it sees the final response of every
// other layer. Starts the hop's span (client span for outbound, server span
// inbound) and hands its context downstream as traceparent/B3 headers, makes
// x-request-id at the edge, and once the response is written records
// Istio's metrics and one access log line.

import { context as otelContext, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import type { Layer, MeshRequest, MeshResponse } from './context.ts';
import { addFinishedHook, headerString } from './context.ts';
import type { LayerDeps } from './deps.ts';
import { extractParent, injectContext } from '../telemetry/propagation.ts';
import { formatAccessLog, formatFlags } from '../telemetry/access-log.ts';
import type { RequestLabels } from '../telemetry/metrics.ts';
import { UNKNOWN_WORKLOAD } from '../config/identity.ts';
import { canonicalOf, clusterOf } from '../telemetry/canonical.ts';

function spanName(req: MeshRequest): string {
  const host = req.service?.fqdn ?? req.passthrough?.host ?? req.authority.replace(/:\d+$/, '');
  return `${host}:${req.destination?.port ?? req.servicePort ?? req.port}/*`;
}

/** Envoy's cluster names: `outbound|9080|v1|reviews…`, `inbound|9080||` for the local workload, else PassthroughCluster. */
function upstreamCluster(req: MeshRequest): string {
  if (req.cluster) return req.cluster.name;
  if (req.direction === 'inbound') return `inbound|${req.port}||`;
  return req.passthrough ? 'PassthroughCluster' : '-';
}

function labelsFor(req: MeshRequest, res: MeshResponse, clusterId: string): RequestLabels {
  const src = req.source ?? UNKNOWN_WORKLOAD;
  const dst = req.direction === 'inbound' ? req.table.self : (req.endpoint?.workload ?? UNKNOWN_WORKLOAD);
  const svc = req.service;
  const srcCanonical = canonicalOf(src);
  const dstCanonical = canonicalOf(dst);
  return {
    reporter: req.direction === 'inbound' ? 'destination' : 'source',
    source_workload: src.workload,
    source_workload_namespace: src.namespace,
    source_principal: src.principal,
    source_app: src.app,
    source_version: src.version,
    source_canonical_service: srcCanonical.service,
    source_canonical_revision: srcCanonical.revision,
    source_cluster: clusterOf(src, clusterId),
    destination_workload: dst.workload,
    destination_workload_namespace: dst.namespace,
    destination_principal: dst.principal,
    destination_app: dst.app,
    destination_version: dst.version,
    destination_service: svc?.fqdn ?? req.passthrough?.host ?? 'unknown',
    destination_canonical_service: dstCanonical.service,
    destination_canonical_revision: dstCanonical.revision,
    destination_service_name: svc?.name ?? req.passthrough?.host ?? 'unknown',
    destination_service_namespace: svc?.namespace ?? 'unknown',
    destination_cluster: clusterOf(dst, clusterId),
    request_protocol: 'http',
    response_code: String(res.status),
    grpc_response_status: grpcStatus(res),
    response_flags: formatFlags([...req.flags]),
    connection_security_policy: req.direction === 'inbound' ? 'none' : 'unknown',
  };
}

/**
 * grpc-status of a response, "" for anything that is not gRPC (istio_stats
 * leaves the label empty then). Only the header is seen here: a trailers-only
 * gRPC reply carries it there; trailers after a body are not read.
 */
function grpcStatus(res: MeshResponse): string {
  const v = res.headers['grpc-status'];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? '' : String(first);
}

export function telemetryLayer(deps: LayerDeps): Layer {
  return {
    name: 'telemetry',
    wrap: (next) => async (req) => {
      const edge = req.table.proxy.kind === 'gateway' || (req.direction === 'outbound' && !req.headers['x-request-id']);
      if (edge && !req.headers['x-request-id']) req.headers['x-request-id'] = randomUUID();
      let span: Span | undefined;
      if (deps.tracer && !req.shadow) {
        const parent = extractParent(req.headers);
        const ctx = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : otelContext.active();
        span = deps.tracer.startSpan(
          req.authority,
          {
            kind: req.direction === 'inbound' ? SpanKind.SERVER : SpanKind.CLIENT,
            startTime: req.startMs,
            attributes: {
              'http.method': req.method,
              'http.request.method': req.method,
              'http.url': `${req.scheme}://${req.authority}${req.path}`,
              'url.full': `${req.scheme}://${req.authority}${req.path}`,
              'url.path': req.path.split('?')[0],
              'url.scheme': req.scheme,
              'server.address': req.authority.replace(/:\d+$/, ''),
              'server.port': req.port,
              'user_agent.original': headerString(req.headers, 'user-agent') ?? '',
              'guid:x-request-id': headerString(req.headers, 'x-request-id') ?? '',
              'node_id': `${req.table.proxy.kind}~${req.table.proxy.ip ?? ''}~${req.table.proxy.name}.${req.table.proxy.namespace}`,
              'istio.namespace': req.table.self.namespace,
              'istio.canonical_service': req.table.self.app,
              'istio.canonical_revision': req.table.self.version,
              'istio.mesh_id': 'cluster.local',
              component: 'proxy',
            },
          },
          ctx,
        );
        injectContext(req.headers, span.spanContext(), parent?.spanId);
      }
      const res: MeshResponse = await next(req);
      addFinishedHook(res, (bytesSent, error) => {
        const end = deps.clock.now();
        const durationMs = Math.max(0, end - req.startMs);
        const flags = [...req.flags];
        if (span) {
          span.updateName(spanName(req));
          span.setAttributes({
            'http.status_code': res.status,
            'http.response.status_code': res.status,
            response_flags: formatFlags(flags),
            upstream_cluster: upstreamCluster(req),
            'upstream_cluster.name': upstreamCluster(req),
            'peer.address': req.remoteAddress,
            'request_size': req.body.length,
            'response_size': bytesSent,
          });
          if (res.status >= 500 || error) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message });
            span.setAttribute('error', true);
          }
          span.end(end);
        }
        if (req.shadow) return;
        if (deps.metrics) {
          deps.metrics.recordRequest(labelsFor(req, res, deps.metrics.clusterId), durationMs, req.body.length, bytesSent);
          if (req.direction === 'inbound' && deps.reporterPod) deps.metrics.recordPodInbound(deps.reporterPod);
        }
        if (deps.accessLog) {
          deps.accessLog(formatAccessLog({
            startMs: req.startMs,
            method: req.method,
            path: req.originalPath,
            status: res.status,
            flags,
            details: res.local ? (req.notes[req.notes.length - 1] ?? 'local_reply') : 'via_upstream',
            bytesReceived: req.body.length,
            bytesSent,
            durationMs,
            forwardedFor: headerString(req.headers, 'x-forwarded-for'),
            userAgent: headerString(req.headers, 'user-agent'),
            requestId: headerString(req.headers, 'x-request-id'),
            authority: req.originalAuthority,
            upstreamHost: req.endpoint ? `${req.endpoint.address}:${req.endpoint.port}` : req.passthrough ? `${req.passthrough.host}:${req.passthrough.port}` : undefined,
            upstreamCluster: req.cluster || req.passthrough ? upstreamCluster(req) : undefined,
            downstreamLocal: `${req.table.proxy.ip ?? '-'}`,
            downstreamRemote: req.remoteAddress,
            routeName: req.route ? `${req.route.origin}#${req.route.ruleIndex}` : undefined,
          }));
        }
      });
      return res;
    },
  };
}
