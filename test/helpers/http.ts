// Plain HTTP requests for tests: a fresh connection each time (no keep-alive
// surprises), the whole body as text.

import { request } from 'node:http';

export interface TextResponse {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export function httpGet(url: string, headers: Record<string, string> = {}): Promise<TextResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
