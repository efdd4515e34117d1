// Writing responses: JSON bodies and Status objects for errors. Every error
// reaching the client passes through `sendError`, the one place errors become
// HTTP responses.

import type { ServerResponse } from 'node:http';
import { ApiError, isStoreError } from '../api/index.ts';

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache, private' });
  res.end(text);
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isStoreError(err)) {
    const kind = err.kind;
    if (kind === 'Unavailable') return new ApiError('ServiceUnavailable', `apiserver: ${err.message}`, undefined, { cause: err });
    if (kind === 'AlreadyExists') return new ApiError('AlreadyExists', `apiserver: ${err.message}`, undefined, { cause: err });
    if (kind === 'Compacted') return new ApiError('Expired', `apiserver: ${err.message}`, undefined, { cause: err });
    if (kind === 'Conflict') return new ApiError('Conflict', `apiserver: ${err.message}`, undefined, { cause: err });
    if (kind === 'NotFound') return new ApiError('NotFound', `apiserver: ${err.message}`, undefined, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError('InternalError', `apiserver: internal error: ${message}`, undefined, { cause: err });
}

export function sendError(res: ServerResponse, err: unknown): void {
  const apiErr = toApiError(err);
  sendJson(res, apiErr.httpStatus, apiErr.toStatus());
}

export function successStatus(details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details } : {}) };
}
