// Discovery responses carry an ETag (a hash of the document), as
// kube-apiserver's aggregated discovery does, and answer a matching
// If-None-Match with 304. When a CRD adds or removes a kind the document and
// so the ETag change, and kubectl's cached discovery is refreshed.

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './responses.ts';

export function discoveryEtag(body: unknown, contentType: string): string {
  return `"${createHash('sha256').update(contentType).update(JSON.stringify(body)).digest('hex').slice(0, 32).toUpperCase()}"`;
}

export function sendDiscovery(req: IncomingMessage, res: ServerResponse, body: unknown, contentType = 'application/json'): void {
  const etag = discoveryEtag(body, contentType);
  res.setHeader('etag', etag);
  const given = req.headers['if-none-match'];
  if (given !== undefined && given.split(',').map((t) => t.trim()).includes(etag)) {
    res.writeHead(304, { etag, 'cache-control': 'no-cache, private' });
    res.end();
    return;
  }
  sendJson(res, 200, body, contentType);
}
