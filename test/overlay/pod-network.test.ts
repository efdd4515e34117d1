// Pod network env + the Node.js preload: two unmodified Node apps
// (`server.listen(8080)`, `http.get('http://backend:8080/')`) reach each other
// by Service name through the cluster DNS and the service proxy.

import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import t from 'tap';
import { MutableCatalog, POD_PRELOAD_PATH, podNetworkEnv, startServiceProxy, withPreload } from '../../overlay/index.ts';
import { startDnsServer } from '../../overlay/dns/index.ts';
import { endpoints, pod, service } from './helpers/fixtures.ts';

const BACKEND_APP = `
const http = require('http');
const server = http.createServer((req, res) => res.end('hello from ' + process.env.POD_NAME + ' host=' + req.headers.host));
server.listen(8080, () => console.log('listening ' + JSON.stringify(server.address())));
`;

const CLIENT_APP = `
const http = require('http');
const dns = require('dns');
const get = (url) => new Promise((resolve, reject) => http.get(url, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve(res.statusCode + ' ' + b)); }).on('error', reject));
(async () => {
  const out = {};
  out.lookup = await dns.promises.lookup('backend');
  out.lookupFqdn = (await dns.promises.lookup('backend.default.svc.cluster.local.')).address;
  out.localhost = (await dns.promises.lookup('localhost')).address;
  out.httpGet = await get('http://backend:8080/');
  const r = await fetch('http://backend:8080/fetched');
  out.fetch = r.status + ' ' + (await r.text());
  const local = http.createServer().listen(0, 'localhost', () => {
    out.listenLocalhost = local.address().address;
    local.close();
    const wild = http.createServer().listen(0, '0.0.0.0', () => {
      out.listenWildcard = wild.address().address;
      wild.close();
      const udp = require('dgram').createSocket('udp4');
      udp.bind(5300, () => {
        out.udpBind = udp.address().address;
        udp.close();
        console.log(JSON.stringify(out));
      });
    });
  });
})().catch((err) => { console.log(JSON.stringify({ error: String(err && err.stack || err) })); process.exitCode = 1; });
`;

function runToCompletion(file: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err && !stdout) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout.trim().split('\n').pop() ?? '');
    });
  });
}

function startApp(file: string, env: Record<string, string>): Promise<{ child: ChildProcess; firstLine: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`app did not start: ${err}`)), 15_000);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve({ child, firstLine: out.split('\n')[0]! });
      }
    });
    child.on('exit', (code) => reject(new Error(`app exited ${code}: ${err}`)));
  });
}

t.test('podNetworkEnv: env, resolv.conf, NODE_OPTIONS, proxy variables', async (t) => {
  const runDir = await mkdtemp(path.join(os.tmpdir(), 'meshlet-pod-'));
  t.teardown(() => rm(runDir, { recursive: true, force: true }));
  const p = pod('web-1', '127.244.8.5', 'shop');
  const plain = await podNetworkEnv({ pod: p, podIp: '127.244.8.5', dns: { host: '127.96.0.10', port: 5353 }, runDir });
  t.match(plain.env, {
    POD_IP: '127.244.8.5',
    POD_NAME: 'web-1',
    POD_NAMESPACE: 'shop',
    MESHLET_DNS: '127.96.0.10:5353',
    MESHLET_DNS_SEARCH: 'shop.svc.cluster.local svc.cluster.local cluster.local',
    RES_OPTIONS: 'ndots:5',
  });
  t.equal(plain.env['NODE_OPTIONS'], `--require ${POD_PRELOAD_PATH}`);
  t.ok(path.isAbsolute(POD_PRELOAD_PATH) && POD_PRELOAD_PATH.endsWith('overlay/pod/preload.cjs'));
  t.notOk('HTTP_PROXY' in plain.env, 'no proxy without a sidecar');
  const resolv = await readFile(plain.resolvConfPath, 'utf8');
  t.match(resolv, /^nameserver 127\.96\.0\.10$/m);
  t.match(resolv, /^search shop\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
  t.match(resolv, /^options ndots:5$/m);
  t.match(resolv, /port 5353/, 'the port is named in a comment, since resolv.conf cannot carry it');

  const meshed = await podNetworkEnv({
    pod: p,
    podIp: '127.244.8.5',
    dns: { host: '127.96.0.10', port: 53 },
    runDir,
    sidecarOutbound: 'http://127.244.8.5:15001',
    container: { name: 'app', env: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=256' }] },
  });
  t.equal(meshed.env['HTTP_PROXY'], 'http://127.244.8.5:15001');
  t.equal(meshed.env['http_proxy'], 'http://127.244.8.5:15001');
  t.equal(meshed.env['NO_PROXY'], '127.244.8.5,127.0.0.1,localhost');
  t.equal(meshed.env['NODE_OPTIONS'], `--max-old-space-size=256 --require ${POD_PRELOAD_PATH}`, 'container NODE_OPTIONS kept, preload appended');
  t.equal(withPreload('--require /a b', '/x y/preload.cjs'), '--require /a b --require "/x y/preload.cjs"', 'paths with spaces are quoted');
});

t.test('two unmodified Node apps reach each other by Service name', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meshlet-apps-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'backend.cjs'), BACKEND_APP);
  await writeFile(path.join(dir, 'client.cjs'), CLIENT_APP);

  const backendIp = '127.201.7.2';
  const clientIp = '127.201.7.3';
  const vip = '127.202.7.1';
  const catalog = new MutableCatalog();
  catalog.upsert(service('backend', { clusterIP: vip, ports: [{ name: 'http', port: 8080 }] }));
  catalog.upsert(endpoints('backend', { ready: [backendIp], ports: [{ name: 'http', port: 8080 }] }));
  const dnsServer = await startDnsServer({ host: '127.0.0.1', catalog, upstreams: [] });
  t.teardown(() => dnsServer.close());
  const proxy = await startServiceProxy({ catalog });
  t.teardown(() => proxy.close());
  const dns = { host: dnsServer.host, port: dnsServer.port };

  const backendPod = pod('backend-0', backendIp);
  const backendEnv = await podNetworkEnv({ pod: backendPod, podIp: backendIp, dns, runDir: path.join(dir, 'backend') });
  const backend = await startApp(path.join(dir, 'backend.cjs'), backendEnv.env);
  t.teardown(() => void backend.child.kill());
  t.match(backend.firstLine, `"address":"${backendIp}","family":"IPv4","port":8080`, 'server.listen(8080) bound the pod IP, not the wildcard');

  const clientEnv = await podNetworkEnv({ pod: pod('client-0', clientIp), podIp: clientIp, dns, runDir: path.join(dir, 'client') });
  const result = JSON.parse(await runToCompletion(path.join(dir, 'client.cjs'), clientEnv.env)) as Record<string, unknown>;
  t.notOk(result['error'], String(result['error'] ?? ''));
  t.same(result['lookup'], { address: vip, family: 4 }, 'dns.promises.lookup("backend") → ClusterIP via the search path');
  t.equal(result['lookupFqdn'], vip);
  t.equal(result['localhost'], clientIp, 'localhost means the pod IP');
  t.equal(result['httpGet'], '200 hello from backend-0 host=backend:8080', 'http.get by Service name reaches the other pod');
  t.equal(result['fetch'], '200 hello from backend-0 host=backend:8080', 'fetch by Service name too');
  t.equal(result['listenLocalhost'], clientIp);
  t.equal(result['listenWildcard'], clientIp);
  t.equal(result['udpBind'], clientIp, 'a UDP server bind(5300) lands on the pod IP too');
});

t.test('with a sidecar: http.get and fetch go to HTTP_PROXY in absolute form with the original Host', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'meshlet-proxy-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'client.cjs'), CLIENT_APP.replace("out.lookup = await dns.promises.lookup('backend');", "out.lookup = 'skipped';"));
  const clientIp = '127.201.7.13';
  const seen: { url: string; host: string }[] = [];
  const sidecar = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', host: req.headers.host ?? '' });
    const text = `sidecar saw ${req.url} host=${req.headers.host}`;
    // The fetch path gets a gzip body: fetch must decode it as undici would.
    if (req.url?.endsWith('/fetched')) {
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync(text));
    } else res.end(text);
  });
  await new Promise<void>((resolve) => sidecar.listen({ host: clientIp, port: 0 }, resolve));
  t.teardown(() => new Promise<void>((r) => sidecar.close(() => r())));
  const sidecarPort = (sidecar.address() as net.AddressInfo).port;
  const catalog = new MutableCatalog();
  catalog.upsert(service('backend', { clusterIP: '127.202.7.11', ports: [{ port: 8080 }] }));
  const dnsServer = await startDnsServer({ host: '127.0.0.1', catalog, upstreams: [] });
  t.teardown(() => dnsServer.close());
  const env = await podNetworkEnv({
    pod: pod('client-1', clientIp),
    podIp: clientIp,
    dns: { host: dnsServer.host, port: dnsServer.port },
    runDir: path.join(dir, 'run'),
    sidecarOutbound: `http://${clientIp}:${sidecarPort}`,
  });
  const result = JSON.parse(await runToCompletion(path.join(dir, 'client.cjs'), env.env)) as Record<string, unknown>;
  t.notOk(result['error'], String(result['error'] ?? ''));
  t.equal(result['httpGet'], '200 sidecar saw http://backend:8080/ host=backend:8080');
  t.equal(result['fetch'], '200 sidecar saw http://backend:8080/fetched host=backend:8080');
  t.same(seen.map((s) => s.url), ['http://backend:8080/', 'http://backend:8080/fetched']);
});
