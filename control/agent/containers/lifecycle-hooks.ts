// Container lifecycle hooks (postStart, preStop) as kubelet runs them: exec in
// the container's environment, httpGet against the pod IP (any HTTP response
// succeeds — kubelet only fails a hook on a transport error), or sleep. The
// container slot decides when they run and what a failure means.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LifecycleHandler } from '../../api/index.ts';
import { execInContainer, resolvePort } from './probes.ts';
import type { ProbeResult, ProbeTarget } from './probes.ts';

export type HookName = 'PostStart' | 'PreStop';

export interface HookLimits {
  /** Give up (and end an exec command) after this long; none by default, as kubelet runs postStart to completion. */
  timeoutMs?: number;
  /** Aborts the hook (the container went away). */
  signal?: AbortSignal;
}

/** Runs one hook handler; the message is kubelet's wording for a failed hook, naming the container and pod. */
export async function runLifecycleHook(
  handler: LifecycleHandler,
  target: ProbeTarget,
  where: { container: string; pod: string },
  limits: HookLimits = {},
): Promise<ProbeResult> {
  const subject = `for Container "${where.container}" in Pod "${where.pod}"`;
  if (handler.exec) {
    const result = await execInContainer(handler.exec.command, target, limits);
    if (result.ok) return result;
    return { ok: false, message: `Exec lifecycle hook (${JSON.stringify(handler.exec.command)}) ${subject} failed - error: ${result.message}` };
  }
  if (handler.httpGet) {
    const result = await httpHook(handler.httpGet, target, limits);
    if (result.ok) return result;
    return { ok: false, message: `HTTP lifecycle hook (${handler.httpGet.path ?? '/'}) ${subject} failed - error: ${result.message}` };
  }
  if (handler.sleep) return sleepHook(handler.sleep.seconds, limits);
  return { ok: false, message: `lifecycle hook ${subject} has no handler (exec, httpGet or sleep)` };
}

function httpHook(spec: NonNullable<LifecycleHandler['httpGet']>, target: ProbeTarget, limits: HookLimits): Promise<ProbeResult> {
  const port = resolvePort(spec.port, target);
  if (port === undefined) return Promise.resolve({ ok: false, message: `port "${String(spec.port)}" is not a container port name` });
  const host = spec.host || target.podIp;
  const path = spec.path ? (spec.path.startsWith('/') ? spec.path : `/${spec.path}`) : '/';
  const https = spec.scheme === 'HTTPS';
  const url = `${https ? 'https' : 'http'}://${host}:${port}${path}`;
  const headers: Record<string, string> = { 'user-agent': 'kube-lifecycle/1.32', accept: '*/*' };
  for (const h of spec.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
  return new Promise((resolveResult) => {
    let settled = false;
    const done = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolveResult(result);
    };
    // kubelet does not verify the certificate of a hook's HTTPS endpoint either.
    const options = { method: 'GET', agent: false as const, headers, ...(limits.signal ? { signal: limits.signal } : {}), ...(https ? { rejectUnauthorized: false } : {}) };
    const req = (https ? httpsRequest : httpRequest)(url, options, (res) => {
      res.resume();
      done({ ok: true, message: '' });
    });
    const timer = limits.timeoutMs !== undefined ? setTimeout(() => req.destroy(new Error('context deadline exceeded')), limits.timeoutMs) : undefined;
    req.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ECONNREFUSED' ? `dial tcp ${host}:${port}: connect: connection refused` : err.message;
      done({ ok: false, message: `Get "${url}": ${why}` });
    });
    req.end();
  });
}

function sleepHook(seconds: number, limits: HookLimits): Promise<ProbeResult> {
  return new Promise((resolveResult) => {
    const ms = Math.max(0, seconds * 1000);
    const wait = limits.timeoutMs !== undefined ? Math.min(ms, limits.timeoutMs) : ms;
    const finish = (): void => {
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', finish);
      resolveResult({ ok: true, message: '' });
    };
    const timer = setTimeout(finish, wait);
    if (limits.signal?.aborted) finish();
    else limits.signal?.addEventListener('abort', finish, { once: true });
  });
}
