// meshlet pod preload: loaded into Node.js containers with
// NODE_OPTIONS=--require <this file>, so unmodified apps behave as in a pod.
//
//  1. dns.lookup / dns.promises.lookup resolve names through the cluster DNS
//     (MESHLET_DNS=host:port) with the pod's search path and ndots, falling
//     back to the original lookup; `localhost` resolves to the pod IP.
//  2. server.listen() with no host, 0.0.0.0, :: or localhost binds POD_IP;
//     so does dgram socket.bind(port) for a non-zero port (a UDP server).
//  3. client TCP connections leave from POD_IP (every cluster address is on
//     127/8), so servers, NetworkPolicies and the mesh see the pod as source.
//  4. http.request / http.get to hosts not in NO_PROXY go through HTTP_PROXY
//     as absolute-URI requests (the sidecar sees the original Host); global
//     fetch of http: URLs is carried by the same http.request path.
//
// Plain CommonJS, core modules only: it runs before every app start.
'use strict';

const dns = require('node:dns');
const net = require('node:net');
const http = require('node:http');

const env = process.env;
const podIp = env.POD_IP || '';
const dnsServer = env.MESHLET_DNS || '';
const search = (env.MESHLET_DNS_SEARCH || env.LOCALDOMAIN || '').split(/\s+/).filter(Boolean);
const ndots = Number(env.MESHLET_DNS_NDOTS || (/ndots:(\d+)/.exec(env.RES_OPTIONS || '') || [])[1] || 5);

// ---- 1. name resolution -------------------------------------------------

const originalLookup = dns.lookup;
// Created on first use: a c-ares channel costs ~10 ms, which apps that never resolve should not pay at start.
let resolver;
let resolverTried = false;
function clusterResolver() {
  if (!resolverTried && dnsServer) {
    resolverTried = true;
    try {
      resolver = new dns.Resolver({ timeout: 1500, tries: 2 });
      resolver.setServers([dnsServer]);
      if (podIp) resolver.setLocalAddress(podIp);
    } catch {
      resolver = undefined;
    }
  }
  return resolver;
}

function candidateNames(hostname) {
  if (hostname.endsWith('.')) return [hostname.slice(0, -1)];
  const dots = hostname.split('.').length - 1;
  const searched = search.map((suffix) => `${hostname}.${suffix}`);
  return dots >= ndots ? [hostname, ...searched] : [...searched, hostname];
}

function resolveOne(name, depth, callback) {
  const resolver = clusterResolver();
  resolver.resolve4(name, (err, addresses) => {
    if (!err && addresses.length > 0) return callback(null, addresses);
    if (err && err.code === 'ENODATA' && depth < 4) {
      // ExternalName services answer with a CNAME only: follow it.
      return resolver.resolveCname(name, (cnameErr, targets) => {
        if (cnameErr || !targets || targets.length === 0) return callback(err || cnameErr);
        resolveOne(targets[0], depth + 1, callback);
      });
    }
    callback(err || new Error('no addresses'));
  });
}

function clusterResolve(hostname, callback) {
  const names = candidateNames(hostname);
  let index = 0;
  const next = (lastErr) => {
    if (index >= names.length) return callback(lastErr);
    resolveOne(names[index++], 0, (err, addresses) => {
      if (!err) return callback(null, addresses);
      // Only "no such name/data" moves down the search list; a dead DNS falls back at once.
      if (err.code === 'ENOTFOUND' || err.code === 'ENODATA' || err.code === 'ESERVFAIL') return next(err);
      callback(err);
    });
  };
  next(undefined);
}

function wantsIpv6Only(options) {
  const family = options && typeof options === 'object' ? options.family : options;
  return family === 6 || family === 'IPv6';
}

function lookup(hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  const all = !!(options && typeof options === 'object' && options.all);
  const reply = (address) => process.nextTick(() => (all ? callback(null, [{ address, family: 4 }]) : callback(null, address, 4)));
  if (typeof hostname === 'string' && podIp && hostname.toLowerCase() === 'localhost' && !wantsIpv6Only(options)) {
    reply(podIp);
    return {};
  }
  if (typeof hostname !== 'string' || hostname === '' || net.isIP(hostname) || wantsIpv6Only(options) || !dnsServer || !clusterResolver()) {
    return originalLookup.call(dns, hostname, options, callback);
  }
  clusterResolve(hostname.toLowerCase(), (err, addresses) => {
    if (err) return originalLookup.call(dns, hostname, options, callback);
    if (all) callback(null, addresses.map((address) => ({ address, family: 4 })));
    else callback(null, addresses[0], 4);
  });
  return {};
}

dns.lookup = lookup;
if (dns.promises) {
  dns.promises.lookup = (hostname, options) =>
    new Promise((resolve, reject) => {
      const all = !!(options && typeof options === 'object' && options.all);
      lookup(hostname, options || {}, (err, address, family) => {
        if (err) reject(err);
        else resolve(all ? address : { address, family });
      });
    });
}

// ---- 2. wildcard and localhost binds -> pod IP --------------------------

const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::', 'localhost', '::0', '0:0:0:0:0:0:0:0']);
const originalListen = net.Server.prototype.listen;

net.Server.prototype.listen = function listen(...args) {
  if (podIp) {
    const first = args[0];
    if (first !== null && typeof first === 'object' && !(first instanceof Function) && !('fd' in first) && !('_handle' in first) && !first.path && !('handle' in first)) {
      if (first.host === undefined || WILDCARD_HOSTS.has(String(first.host).toLowerCase())) args[0] = { ...first, host: podIp };
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)) || first === undefined || typeof first === 'function') {
      if (typeof first === 'function' || first === undefined) {
        args.splice(0, first === undefined ? 1 : 0, 0, podIp);
      } else if (typeof args[1] === 'string') {
        if (WILDCARD_HOSTS.has(args[1].toLowerCase())) args[1] = podIp;
      } else {
        args.splice(1, 0, podIp);
      }
    }
  }
  return originalListen.apply(this, args);
};

// ---- 3. client connections from the pod IP -------------------------------

const originalConnect = net.Socket.prototype.connect;

/** Whether a connection to `host` may be bound to the (IPv4, loopback) pod IP. */
function fromPodIp(options) {
  if (!podIp || options.path || options.localAddress || (options.family && Number(options.family) !== 4)) return false;
  const host = options.host === undefined ? 'localhost' : String(options.host);
  const kind = net.isIP(host);
  if (kind === 6) return false;
  return kind === 0 || host.startsWith('127.');
}

net.Socket.prototype.connect = function connect(...args) {
  const first = args[0];
  if (Array.isArray(first) && first[0] !== null && typeof first[0] === 'object' && fromPodIp(first[0])) {
    // net.connect() passes its normalized [options, callback] array (marked with an internal symbol): edit it in place.
    first[0] = { ...first[0], localAddress: podIp, family: 4 };
  } else if (first !== null && typeof first === 'object' && !Array.isArray(first) && fromPodIp(first)) {
    // family 4: a name must resolve to an address the IPv4 pod IP can reach.
    args[0] = { ...first, localAddress: podIp, family: 4 };
  } else if ((typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) && fromPodIp({ host: typeof args[1] === 'string' ? args[1] : undefined })) {
    const host = typeof args[1] === 'string' ? args[1] : 'localhost';
    const cb = args.find((a) => typeof a === 'function');
    args = [{ port: Number(first), host, localAddress: podIp, family: 4 }, ...(cb ? [cb] : [])];
  }
  return originalConnect.apply(this, args);
};

const dgram = require('node:dgram');
const originalBind = dgram.Socket.prototype.bind;

// Only servers (a fixed port) move to the pod IP: the implicit bind before a
// client's first send uses port 0 and must stay routable to any destination.
dgram.Socket.prototype.bind = function bind(...args) {
  if (podIp) {
    const first = args[0];
    if (first !== null && typeof first === 'object' && typeof first !== 'function') {
      if (first.port && Number(first.port) !== 0 && (first.address === undefined || WILDCARD_HOSTS.has(String(first.address).toLowerCase()))) {
        args[0] = { ...first, address: podIp };
      }
    } else if ((typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) && Number(first) !== 0) {
      if (typeof args[1] === 'string') {
        if (WILDCARD_HOSTS.has(args[1].toLowerCase())) args[1] = podIp;
      } else {
        args.splice(1, 0, podIp);
      }
    }
  }
  return originalBind.apply(this, args);
};

// ---- 4. outbound HTTP through the sidecar -------------------------------

const proxyUrl = env.HTTP_PROXY || env.http_proxy || '';
const noProxy = (env.NO_PROXY || env.no_proxy || '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
let proxy;
try {
  if (proxyUrl) {
    const parsed = new URL(proxyUrl);
    proxy = { host: parsed.hostname, port: Number(parsed.port || 80) };
  }
} catch {
  proxy = undefined;
}

function bypassesProxy(host) {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === podIp) return true;
  for (const entry of noProxy) {
    if (entry === '*') return true;
    const bare = entry.replace(/^\*?\./, '');
    if (h === bare || h.endsWith(`.${bare}`)) return true;
  }
  return false;
}

const originalRequest = http.request;
const { urlToHttpOptions } = require('node:url');

function normalize(args) {
  let url;
  let options;
  let callback;
  let i = 0;
  if (typeof args[i] === 'string' || args[i] instanceof URL) url = args[i++];
  if (args[i] && typeof args[i] === 'object') options = args[i++];
  if (typeof args[i] === 'function') callback = args[i];
  const merged = url ? { ...urlToHttpOptions(typeof url === 'string' ? new URL(url) : url), ...(options || {}) } : { ...(options || {}) };
  return { options: merged, callback };
}

function viaProxy(options) {
  if (!proxy || options.socketPath || options.createConnection) return undefined;
  if (options.protocol && options.protocol !== 'http:') return undefined;
  const host = String(options.hostname || options.host || 'localhost');
  if (bypassesProxy(host)) return undefined;
  if (options.headers && Array.isArray(options.headers)) return undefined;
  const port = Number(options.port || options.defaultPort || 80);
  const hostText = host.includes(':') ? `[${host}]` : host;
  const authority = port === 80 ? hostText : `${hostText}:${port}`;
  const headers = { ...(options.headers || {}) };
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'host')) headers.Host = authority;
  const path = options.path || '/';
  return { ...options, host: proxy.host, hostname: proxy.host, port: proxy.port, path: `http://${authority}${path}`, headers, setHost: false };
}

function request(...args) {
  if (!proxy) return originalRequest.apply(http, args);
  const { options, callback } = normalize(args);
  const proxied = viaProxy(options);
  if (!proxied) return originalRequest.apply(http, args);
  return callback ? originalRequest.call(http, proxied, callback) : originalRequest.call(http, proxied);
}

http.request = request;
http.get = function get(...args) {
  const req = request(...args);
  req.end();
  return req;
};

// ---- fetch: http: URLs ride on http.request (proxy + cluster DNS) -------

const originalFetch = globalThis.fetch;
if (typeof originalFetch === 'function' && (proxy || dnsServer)) {
  const { Readable } = require('node:stream');
  const REDIRECTS = new Set([301, 302, 303, 307, 308]);

  // fetch decodes compressed bodies (undici does too, keeping the content-encoding header).
  const decoded = (res) => {
    const encoding = String(res.headers['content-encoding'] || '').trim().toLowerCase();
    if (!encoding || encoding === 'identity') return res;
    const zlib = require('node:zlib');
    const decoder =
      encoding === 'gzip' || encoding === 'x-gzip' ? zlib.createGunzip()
      : encoding === 'deflate' ? zlib.createInflate()
      : encoding === 'br' ? zlib.createBrotliDecompress()
      : undefined;
    if (!decoder) return res;
    res.on('error', (err) => decoder.destroy(err));
    return res.pipe(decoder);
  };

  const fetchOverHttp = async (req, redirects) => {
    const url = new URL(req.url);
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
    const headers = {};
    req.headers.forEach((value, key) => {
      headers[key] = value;
    });
    if (body) headers['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const outgoing = request(url, { method: req.method, headers, signal: req.signal }, (res) => {
        const status = res.statusCode || 502;
        const location = res.headers.location;
        if (REDIRECTS.has(status) && location && req.redirect !== 'manual') {
          res.resume();
          if (req.redirect === 'error') return reject(new TypeError('fetch failed: unexpected redirect'));
          if (redirects >= 20) return reject(new TypeError('fetch failed: redirect count exceeded'));
          const target = new URL(location, url);
          const method = status === 303 || ((status === 301 || status === 302) && req.method === 'POST') ? 'GET' : req.method;
          const init = { method, headers: req.headers, redirect: req.redirect, signal: req.signal };
          if (method !== 'GET' && method !== 'HEAD' && body) init.body = body;
          const nextRequest = new Request(target, init);
          return resolve(target.protocol === 'http:' ? fetchOverHttp(nextRequest, redirects + 1) : originalFetch(nextRequest));
        }
        const responseHeaders = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        const noBody = req.method === 'HEAD' || status === 204 || status === 304;
        if (noBody) res.resume();
        const response = new Response(noBody ? null : Readable.toWeb(decoded(res)), { status, statusText: res.statusMessage, headers: responseHeaders });
        Object.defineProperty(response, 'url', { value: url.href });
        if (redirects > 0) Object.defineProperty(response, 'redirected', { value: true });
        resolve(response);
      });
      outgoing.on('error', (err) => reject(err && err.name === 'AbortError' ? err : Object.assign(new TypeError('fetch failed'), { cause: err })));
      outgoing.end(body);
    });
  };

  globalThis.fetch = async function fetch(input, init) {
    const req = new Request(input, init);
    if (new URL(req.url).protocol !== 'http:') return originalFetch(input, init);
    return fetchOverHttp(req, 0);
  };
}
