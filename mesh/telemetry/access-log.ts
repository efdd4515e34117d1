// One Envoy-style access log line per request, in the shape of Istio's
// default TEXT format:
// [START] "METHOD PATH PROTO" CODE FLAGS DETAILS - "-" RX TX DURATION UPSTREAM_TIME "XFF" "UA" "REQ_ID" "AUTHORITY" "UPSTREAM_HOST" CLUSTER - DOWNSTREAM_LOCAL DOWNSTREAM_REMOTE - ROUTE

export interface AccessLogEntry {
  startMs: number;
  method: string;
  path: string;
  status: number;
  flags: readonly string[];
  details: string;
  bytesReceived: number;
  bytesSent: number;
  durationMs: number;
  upstreamMs?: number;
  forwardedFor?: string;
  userAgent?: string;
  requestId?: string;
  authority: string;
  upstreamHost?: string;
  upstreamCluster?: string;
  downstreamLocal: string;
  downstreamRemote: string;
  routeName?: string;
}

function q(v: string | undefined): string {
  return `"${v ?? '-'}"`;
}

export function formatFlags(flags: readonly string[]): string {
  return flags.length === 0 ? '-' : flags.join(',');
}

export function formatAccessLog(e: AccessLogEntry): string {
  return [
    `[${new Date(e.startMs).toISOString()}]`,
    `"${e.method} ${e.path} HTTP/1.1"`,
    String(e.status),
    formatFlags(e.flags),
    e.details || '-',
    '-',
    '"-"',
    String(e.bytesReceived),
    String(e.bytesSent),
    String(Math.round(e.durationMs)),
    e.upstreamMs === undefined ? '-' : String(Math.round(e.upstreamMs)),
    q(e.forwardedFor),
    q(e.userAgent),
    q(e.requestId),
    q(e.authority),
    q(e.upstreamHost),
    e.upstreamCluster ?? '-',
    '-',
    e.downstreamLocal,
    e.downstreamRemote,
    '-',
    e.routeName ?? '-',
  ].join(' ');
}
