// timeout/retry: the route's overall timeout (504 UT when it fires) around a
// retry loop: each try gets its own AbortSignal and optional perTryTimeout;
// a retriable outcome (per retryOn) is retried up to `attempts` more times
// with Envoy's jittered exponential backoff (25 ms base, 250 ms cap).

import type { Layer, MeshRequest, MeshResponse } from './context.ts';
import type { LayerDeps } from './deps.ts';
import { MeshError, UpstreamError } from './errors.ts';
import type { UpstreamFailure } from './errors.ts';
import type { RetryPolicy } from '../config/table.ts';
import { NO_RETRY } from '../config/http-routes.ts';

const MAX_BACKOFF_MS = 250;

export function statusIsRetriable(policy: RetryPolicy, status: number): boolean {
  const on = policy.retryOn;
  if (on.has('5xx') && status >= 500) return true;
  if (on.has('gateway-error') && (status === 502 || status === 503 || status === 504)) return true;
  if (on.has('retriable-4xx') && status === 409) return true;
  if (policy.retriableStatusCodes.has(status)) return true;
  return false;
}

export function failureIsRetriable(policy: RetryPolicy, failure: UpstreamFailure): boolean {
  const on = policy.retryOn;
  if (failure === 'cancelled') return false;
  if (on.has('5xx')) return true;
  if (failure === 'connect-failure') return on.has('connect-failure') || on.has('refused-stream') || on.has('gateway-error');
  if (failure === 'timeout') return on.has('gateway-error') || on.has('reset');
  return on.has('reset');
}

function drain(res: MeshResponse): void {
  if (res.body && !Buffer.isBuffer(res.body)) res.body.resume();
}

export function timeoutRetryLayer(deps: LayerDeps): Layer {
  const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      const t = deps.clock.setTimer(ms, resolve);
      signal.addEventListener('abort', () => {
        t.cancel();
        resolve();
      }, { once: true });
    });

  async function tryLoop(req: MeshRequest, next: (r: MeshRequest) => Promise<MeshResponse>, overall: AbortSignal | undefined): Promise<MeshResponse> {
    const policy = req.passthrough || req.shadow ? NO_RETRY : (req.route?.retry ?? NO_RETRY);
    if (!overall && policy.perTryTimeoutMs === undefined) return plainLoop(req, next, policy);
    overall ??= new AbortController().signal;
    for (let attempt = 0; ; attempt++) {
      const ac = new AbortController();
      const onOverall = (): void => ac.abort(overall.reason);
      overall.addEventListener('abort', onOverall, { once: true });
      const perTry = policy.perTryTimeoutMs !== undefined
        ? deps.clock.setTimer(policy.perTryTimeoutMs, () => ac.abort({ failure: 'timeout' }))
        : undefined;
      req.signal = ac.signal;
      req.attempts = attempt + 1;
      let res: MeshResponse | undefined;
      let failure: UpstreamError | undefined;
      try {
        res = await next(req);
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
        failure = err;
      } finally {
        perTry?.cancel();
        overall.removeEventListener('abort', onOverall);
      }
      if (overall.aborted) {
        if (res) drain(res);
        throw new MeshError('UT', 'mesh/timeout: route timeout');
      }
      const outcome = settleTry(req, policy, attempt, res, failure);
      if ('final' in outcome) return outcome.final;
      await sleep(outcome.backoffMs, overall);
      if (overall.aborted) throw new MeshError('UT', 'mesh/timeout: route timeout');
    }
  }

  /**
   * After one try: the final outcome (a response, or the failure thrown), or the jittered
   * backoff to wait before the next try (Envoy: base × (2^(n+1) − 1), capped).
   */
  function settleTry(
    req: MeshRequest,
    policy: RetryPolicy,
    attempt: number,
    res: MeshResponse | undefined,
    failure: UpstreamError | undefined,
  ): { final: MeshResponse } | { backoffMs: number } {
    const retriable = res ? statusIsRetriable(policy, res.status) : failureIsRetriable(policy, failure!.failure);
    if (!retriable || attempt >= policy.attempts) {
      if (!res) throw failure!;
      if (retriable && attempt > 0) req.flags.add('URX');
      return { final: res };
    }
    if (!takeRetry(req)) {
      if (!res) throw failure!;
      return { final: res };
    }
    req.notes.push(`try ${attempt + 1}: ${res ? res.status : failure!.failure}, retrying`);
    if (res) drain(res);
    const ceiling = Math.min(MAX_BACKOFF_MS, policy.backoffBaseMs * (2 ** (attempt + 1) - 1));
    return { backoffMs: Math.floor(deps.random() * ceiling) };
  }

  /**
   * A retry needs a slot in the cluster's retry budget (connectionPool.http.maxRetries);
   * the slot is held until this layer returns (the response head arrived or the request failed). Without a budget the retry is
   * skipped and the last outcome stands, as Envoy's retry overflow does.
   */
  function takeRetry(req: MeshRequest): boolean {
    const cluster = req.cluster;
    const max = cluster?.policy.connectionPool?.maxRetries;
    if (!cluster || max === undefined) return true;
    if (!deps.clusters.tryRetry(cluster.name, max)) {
      req.notes.push(`retry overflow in ${cluster.name}`);
      return false;
    }
    (req.retrySlots ??= []).push(cluster.name);
    return true;
  }

  /** The common case, no timeouts at all: no signals or timers per try. */
  async function plainLoop(req: MeshRequest, next: (r: MeshRequest) => Promise<MeshResponse>, policy: RetryPolicy): Promise<MeshResponse> {
    const never = new AbortController().signal;
    for (let attempt = 0; ; attempt++) {
      req.attempts = attempt + 1;
      let res: MeshResponse | undefined;
      let failure: UpstreamError | undefined;
      try {
        res = await next(req);
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
        failure = err;
      }
      const outcome = settleTry(req, policy, attempt, res, failure);
      if ('final' in outcome) return outcome.final;
      await sleep(outcome.backoffMs, never);
    }
  }

  const release = (req: MeshRequest): void => {
    for (const c of req.retrySlots ?? []) deps.clusters.retryDone(c);
    req.retrySlots = undefined;
  };

  return {
    name: 'timeout-retry',
    wrap: (next) => (req) => withRelease(req, (r) => run(r, next)),
  };

  async function withRelease(req: MeshRequest, fn: (r: MeshRequest) => Promise<MeshResponse>): Promise<MeshResponse> {
    try {
      return await fn(req);
    } finally {
      release(req);
    }
  }

  function run(req: MeshRequest, next: (r: MeshRequest) => Promise<MeshResponse>): Promise<MeshResponse> {
    const timeoutMs = req.shadow ? undefined : req.route?.timeoutMs;
    if (timeoutMs === undefined) return tryLoop(req, next, undefined);
    const overall = new AbortController();
    return new Promise<MeshResponse>((resolve, reject) => {
      const timer = deps.clock.setTimer(timeoutMs, () => {
        overall.abort({ failure: 'timeout' });
        reject(new MeshError('UT', `mesh/timeout: route timeout ${timeoutMs} ms`));
      });
      tryLoop(req, next, overall.signal).then(
        (res) => {
          timer.cancel();
          if (overall.signal.aborted) drain(res);
          else resolve(res);
        },
        (err: unknown) => {
          timer.cancel();
          reject(err);
        },
      );
    });
  }
}
