// Serves `?watch=true` as a stream of newline-delimited JSON watch events.
// A watch that cannot start (too old a resourceVersion) or fails later ends
// with an ERROR event carrying a Status, as the Kubernetes API server does.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client, KubeObject, WatchEvent, WatchOptions } from '../api/index.ts';
import type { ResourceRequest } from './request-info.ts';
import { toApiError } from './responses.ts';
import { withRequestedVersion } from './versions.ts';

const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

export interface WatchParams {
  options: WatchOptions;
  timeoutSeconds?: number;
  /** When set, only events for this object name are sent (GET .../NAME?watch=true or fieldSelector metadata.name). */
  name?: string;
  convert?: (event: WatchEvent) => unknown;
}

export function serveWatch(req: IncomingMessage, res: ServerResponse, client: Client, request: ResourceRequest, params: WatchParams): Promise<void> {
  return new Promise((resolve) => {
    let finished = false;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const write = (event: unknown): void => {
      if (finished) return;
      res.write(`${JSON.stringify(event)}\n`);
      // A client that stops reading is cut off (it relists and watches again) rather than buffered without bound.
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        finish();
        res.destroy();
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      watcher?.close();
      res.end();
      resolve();
    };
    let watcher: { close(): void } | undefined;
    try {
      watcher = client.watch(
        request.type,
        params.options,
        (event) => {
          if (params.name !== undefined && event.type !== 'BOOKMARK' && event.object.metadata.name !== params.name) return;
          const object = withRequestedVersion(event.object, request) as KubeObject;
          write(params.convert ? params.convert({ type: event.type, object }) : { type: event.type, object });
        },
        (err) => {
          write({ type: 'ERROR', object: toApiError(err).toStatus() });
          finish();
        },
      );
    } catch (err) {
      write({ type: 'ERROR', object: toApiError(err).toStatus() });
      finish();
      return;
    }
    if (params.timeoutSeconds !== undefined && params.timeoutSeconds > 0) {
      timer = setTimeout(finish, params.timeoutSeconds * 1000);
      timer.unref();
    }
    req.on('close', finish);
    res.on('close', finish);
    if (finished) watcher.close();
  });
}
