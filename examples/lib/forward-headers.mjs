// Headers a mesh application must copy from its inbound request to its outbound
// calls so the sidecars can stitch one trace and route by user (Istio's list, plus
// the application headers Bookinfo forwards).
export const TRACE_HEADERS = Object.freeze([
  'x-request-id',
  'traceparent',
  'tracestate',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'x-ot-span-context',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'sw8',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
]);

export const APPLICATION_HEADERS = Object.freeze(['end-user', 'user-agent', 'cookie', 'authorization', 'jwt']);

export const FORWARDED_HEADERS = Object.freeze([...TRACE_HEADERS, ...APPLICATION_HEADERS]);

/** Picks the forwarded headers present on an incoming request (node's lower-cased header object). */
export function pickForwardHeaders(incoming, names = FORWARDED_HEADERS) {
  const out = {};
  for (const name of names) {
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
