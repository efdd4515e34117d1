// The API server's log source: logs of pods on nodes this process hosts come
// from the local runtime; others are streamed from their node's log endpoint
// (the kubelet's /containerLogs), found through the Node object's address and
// daemonEndpoints, as the real API server does.

import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { ApiError, NODES, PODS } from '../api/index.ts';
import type { Client, Node, Pod } from '../api/index.ts';
import type { PodLogOptions, PodLogStreamSource } from '../agent/containers/index.ts';

export function createPodLogRouter(options: { client: Client; local: PodLogStreamSource; isLocalNode(name: string): boolean }): PodLogStreamSource {
  return {
    async *stream(namespace, podName, logOptions) {
      const pod = await options.client.get<Pod>(PODS, namespace, podName);
      const nodeName = pod?.spec?.nodeName;
      if (!pod || !nodeName || options.isLocalNode(nodeName)) {
        yield* options.local.stream(namespace, podName, logOptions);
        return;
      }
      const node = await options.client.get<Node>(NODES, undefined, nodeName);
      const address = node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      const port = (node?.status as { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined)?.daemonEndpoints?.kubeletEndpoint?.Port;
      if (!address || !port) throw new ApiError('ServiceUnavailable', `node ${nodeName} does not publish a log endpoint`);
      yield* remoteLogs(address, port, namespace, podName, logOptions);
    },
  };
}

async function* remoteLogs(host: string, port: number, namespace: string, pod: string, o: PodLogOptions): AsyncIterable<string> {
  const query = new URLSearchParams();
  if (o.follow) query.set('follow', 'true');
  if (o.previous) query.set('previous', 'true');
  if (o.tailLines !== undefined) query.set('tailLines', String(o.tailLines));
  if (o.sinceSeconds !== undefined) query.set('sinceSeconds', String(o.sinceSeconds));
  const path = `/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}${o.container ? `/${encodeURIComponent(o.container)}` : ''}?${query}`;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ host, port, path, agent: false, ...(o.signal ? { signal: o.signal } : {}) }, resolve);
    req.on('error', reject);
    req.end();
  });
  res.setEncoding('utf8');
  if ((res.statusCode ?? 500) >= 400) {
    let body = '';
    for await (const chunk of res) body += chunk as string;
    try {
      throw ApiError.fromStatus(JSON.parse(body) as { message?: string; reason?: string; code?: number });
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError('InternalError', `node log endpoint answered ${res.statusCode}: ${body.slice(0, 200)}`);
    }
  }
  try {
    for await (const chunk of res) yield chunk as string;
  } catch (err) {
    if (!o.signal?.aborted) throw err;
  }
}
