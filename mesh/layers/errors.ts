// The failures the request path can produce, each with its HTTP status and
// Envoy response flag. Layers throw MeshError; the accept layer is the one
// place that turns them into responses.

import { MeshletError } from '../../control/api/index.ts';

/** Envoy response flags meshlet produces. */
export type ResponseFlag = 'NR' | 'NC' | 'UH' | 'UO' | 'UT' | 'UF' | 'UC' | 'URX' | 'FI' | 'DI' | 'RL' | 'DC' | 'RBAC' | 'DPE';

export const LOCAL_REPLY: Record<ResponseFlag, { status: number; body: string; code: string }> = {
  NR: { status: 404, body: '', code: 'MESH_NO_ROUTE' },
  NC: { status: 503, body: 'no cluster match for URL', code: 'MESH_NO_CLUSTER' },
  UH: { status: 503, body: 'no healthy upstream', code: 'MESH_NO_HEALTHY_UPSTREAM' },
  UO: { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow', code: 'MESH_OVERFLOW' },
  UT: { status: 504, body: 'upstream request timeout', code: 'MESH_UPSTREAM_TIMEOUT' },
  UF: { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure', code: 'MESH_CONNECT_FAILURE' },
  UC: { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination', code: 'MESH_UPSTREAM_RESET' },
  URX: { status: 503, body: 'upstream retry limit exceeded', code: 'MESH_RETRY_LIMIT' },
  FI: { status: 503, body: 'fault filter abort', code: 'MESH_FAULT_ABORT' },
  DI: { status: 200, body: '', code: 'MESH_FAULT_DELAY' },
  RL: { status: 429, body: 'local_rate_limited', code: 'MESH_RATE_LIMITED' },
  DC: { status: 499, body: '', code: 'MESH_DOWNSTREAM_CLOSED' },
  RBAC: { status: 403, body: 'RBAC: access denied', code: 'MESH_RBAC_DENIED' },
  DPE: { status: 400, body: 'meshlet: bad request', code: 'MESH_BAD_REQUEST' },
};

export class MeshError extends MeshletError {
  readonly flag: ResponseFlag;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Reset the downstream connection instead of answering (a connection the network would have dropped). */
  readonly reset: boolean;
  constructor(flag: ResponseFlag, message: string, options: { status?: number; headers?: Record<string, string>; body?: string; code?: string; cause?: unknown; reset?: boolean } = {}) {
    super(options.code ?? LOCAL_REPLY[flag].code, message, { cause: options.cause });
    this.flag = flag;
    this.status = options.status ?? LOCAL_REPLY[flag].status;
    this.headers = options.headers ?? {};
    this.body = options.body ?? LOCAL_REPLY[flag].body;
    this.reset = options.reset ?? false;
  }
}

export function isMeshError(err: unknown): err is MeshError {
  return err instanceof MeshError;
}

/** Why an upstream attempt failed before a response arrived. */
export type UpstreamFailure = 'connect-failure' | 'refused-stream' | 'reset' | 'timeout' | 'cancelled';

export class UpstreamError extends MeshletError {
  readonly failure: UpstreamFailure;
  constructor(failure: UpstreamFailure, message: string, options?: { cause?: unknown }) {
    super(`MESH_UPSTREAM_${failure.toUpperCase().replace('-', '_')}`, message, options);
    this.failure = failure;
  }
}
