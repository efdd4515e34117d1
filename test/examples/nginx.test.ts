// The nginx-slim stand-in as a real process: files from its root, a
// directory's index.html, 404 for what is missing (or outside the root),
// 405 for writes — and what it serves changes when the files do.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startProgram } from './program-process.ts';

const root = mkdtempSync(join(tmpdir(), 'meshlet-nginx-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
const ip = '127.252.3.2';
const server = await startProgram({ program: 'examples/nginx/server.mjs', podIp: ip, env: { PORT: '8080', NGINX_ROOT: root } });
t.teardown(() => server.stop());
const base = `http://${ip}:8080`;

/** A raw request line, so `..` reaches the server as sent (fetch would normalize it). */
function rawGet(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const socket = net.connect(8080, ip, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (out += d));
    socket.on('end', () => done(out));
    socket.on('error', fail);
  });
}

void t.test('no index.html yet: 404, with an nginx error page', async (t) => {
  const res = await fetch(`${base}/`);
  t.equal(res.status, 404);
  t.match(await res.text(), /<title>404 Not Found<\/title>/);
});

void t.test('serves index.html for / and files by path, with their content type', async (t) => {
  writeFileSync(join(root, 'index.html'), 'web-0\n');
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'docs', 'a.txt'), 'hello');
  const index = await fetch(`${base}/`);
  t.equal(index.status, 200);
  t.equal(await index.text(), 'web-0\n');
  t.equal(index.headers.get('content-type'), 'text/html');
  const file = await fetch(`${base}/docs/a.txt`);
  t.equal(await file.text(), 'hello');
  t.equal(file.headers.get('content-type'), 'text/plain');
  t.equal((await fetch(`${base}/docs/`)).status, 404, 'a directory without index.html');
  t.equal((await fetch(`${base}/missing.html`)).status, 404);
  const head = await fetch(`${base}/`, { method: 'HEAD' });
  t.equal(head.headers.get('content-length'), '6');
  writeFileSync(join(root, 'index.html'), 'changed\n');
  t.equal(await (await fetch(`${base}/`)).text(), 'changed\n', 'files are read per request');
});

void t.test('nothing outside the root, no writes', async (t) => {
  t.match(await rawGet('/../../../etc/passwd'), /^HTTP\/1\.1 404/);
  t.match(await rawGet('/%2e%2e/%2e%2e/etc/passwd'), /^HTTP\/1\.1 404/);
  t.equal((await fetch(`${base}/index.html`, { method: 'PUT', body: 'x' })).status, 405);
});
