// pods/NAME/log: streams container output from a PodLogSource as text/plain.

import { ApiError, notFound } from '../api/index.ts';
import type { HandlerContext } from './resource-handlers.ts';

export interface PodLogSource {
  stream(
    namespace: string,
    pod: string,
    options: { container?: string; follow?: boolean; tailLines?: number; sinceSeconds?: number; previous?: boolean; signal?: AbortSignal },
  ): AsyncIterable<string>;
}

function optionalInt(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ApiError('BadRequest', `apiserver: ${name}=${JSON.stringify(raw)} must be a non-negative integer`);
  return n;
}

export async function handleLog(ctx: HandlerContext): Promise<void> {
  const { req, res, query, request, client } = ctx;
  if (req.method !== 'GET') throw new ApiError('MethodNotAllowed', 'apiserver: only GET is supported on pods/log');
  const namespace = request.namespace!;
  const name = request.name!;
  const pod = await client.get(request.type, namespace, name);
  if (!pod) throw notFound('pods', name);
  const container = query.get('container') || undefined;
  const containers = ((pod.spec as { containers?: { name: string }[] } | undefined)?.containers ?? []).map((c) => c.name);
  if (container !== undefined && !containers.includes(container)) {
    throw new ApiError('BadRequest', `container ${container} is not valid for pod ${name}`);
  }
  if (container === undefined && containers.length > 1) {
    throw new ApiError('BadRequest', `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
  }
  if (!ctx.podLogs) throw new ApiError('ServiceUnavailable', 'apiserver: pod logs are not available (no log source configured)');
  const abort = new AbortController();
  const onClose = (): void => abort.abort();
  res.on('close', onClose);
  const stream = ctx.podLogs.stream(namespace, name, {
    container: container ?? containers[0],
    follow: query.get('follow') === 'true',
    previous: query.get('previous') === 'true',
    tailLines: optionalInt(query, 'tailLines'),
    sinceSeconds: optionalInt(query, 'sinceSeconds'),
    signal: abort.signal,
  });
  let started = false;
  try {
    for await (const chunk of stream) {
      if (!started) {
        res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache, private' });
        started = true;
      }
      if (abort.signal.aborted) break;
      res.write(chunk);
    }
  } catch (err) {
    if (!started) throw err;
  } finally {
    res.off('close', onClose);
  }
  if (!started) res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 0 });
  res.end();
}
