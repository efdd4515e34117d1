// Typed errors with stable codes. Every error meshlet raises on purpose is a
// MeshletError: `code` is stable (tests and callers switch on it), the message
// starts with the component (`mesh/route: no route for host "reviews"`), and
// `cause` keeps the underlying failure.

export class MeshletError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Kubernetes StatusReason values meshlet produces. */
export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'Expired'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'Unauthorized'
  | 'Forbidden'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export interface StatusCause {
  /** Field path, e.g. `spec.ports[0].port`. */
  field: string;
  /** Kubernetes CauseType, e.g. `FieldValueInvalid`, `FieldValueRequired`. */
  reason: string;
  message: string;
}

const HTTP_STATUS: Record<StatusReason, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  Gone: 410,
  Expired: 410,
  BadRequest: 400,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  UnsupportedMediaType: 415,
  RequestEntityTooLarge: 413,
  Unauthorized: 401,
  Forbidden: 403,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
}

/** An error that maps one-to-one onto a Kubernetes `Status` object. */
export class ApiError extends MeshletError {
  readonly reason: StatusReason;
  readonly httpStatus: number;
  readonly details: StatusDetails | undefined;
  constructor(reason: StatusReason, message: string, details?: StatusDetails, options?: { cause?: unknown }) {
    super(`MESHLET_API_${reason.toUpperCase()}`, message, options);
    this.reason = reason;
    this.httpStatus = HTTP_STATUS[reason];
    this.details = details;
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.httpStatus,
    };
  }

  static fromStatus(status: { message?: string; reason?: string; details?: StatusDetails; code?: number }): ApiError {
    const reason = (Object.keys(HTTP_STATUS) as StatusReason[]).includes(status.reason as StatusReason)
      ? (status.reason as StatusReason)
      : ((Object.entries(HTTP_STATUS).find(([, c]) => c === status.code)?.[0] as StatusReason | undefined) ?? 'InternalError');
    return new ApiError(reason, status.message ?? reason, status.details);
  }
}

export function isApiError(err: unknown, reason?: StatusReason): err is ApiError {
  return err instanceof ApiError && (reason === undefined || err.reason === reason);
}

export function notFound(kind: string, name: string, group = ''): ApiError {
  const resource = group ? `${kind}.${group}` : kind;
  return new ApiError('NotFound', `${resource} "${name}" not found`, { name, kind, group });
}

export function invalid(kind: string, name: string, causes: StatusCause[], group = ''): ApiError {
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new ApiError('Invalid', `${kind} "${name}" is invalid: ${summary}`, { name, kind, group, causes });
}
