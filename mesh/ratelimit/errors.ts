// Rate limiter errors. Expected outcomes (over limit) are decisions, not errors;
// these are for a counter backend that failed and for policies that do not compile.

import { MeshletError } from '../../control/api/errors.ts';

export type RateLimitErrorCode =
  | 'MESHLET_RATELIMIT_BACKEND_UNAVAILABLE'
  | 'MESHLET_RATELIMIT_BACKEND_TIMEOUT'
  | 'MESHLET_RATELIMIT_INVALID_POLICY'
  | 'MESHLET_RATELIMIT_UNSUPPORTED';

export class RateLimitError extends MeshletError {
  constructor(code: RateLimitErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `mesh/ratelimit: ${message}`, options);
  }
}
