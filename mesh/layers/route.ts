// route match: finds the virtual host and the first matching VirtualService
// rule, then acts on it — direct response, redirect, CORS preflight — or
// picks the weighted destination and applies rewrite and header operations.
// Inbound requests route to this pod's own workload port.

import type { MeshRequest, MeshResponse, Layer } from './context.ts';
import { headerString } from './context.ts';
import type { LayerDeps } from './deps.ts';
import { ORIGINAL_PORT_HEADER } from './deps.ts';
import { MeshError } from './errors.ts';
import { applyHeaderOps } from './header-ops.ts';
import { isPreflight, originAllowed, preflightHeaders, simpleResponseHeaders } from './cors.ts';
import { lookupGatewayHost, lookupServiceHost, pickWeighted } from '../config/lookup.ts';
import { matchHttpRoute } from '../config/match.ts';
import { isIpAddress, isLoopbackAddress, splitHostPort } from '../config/hosts.ts';
import type { CompiledHttpRoute } from '../config/table.ts';

function localResponse(status: number, headers: MeshResponse['headers'], body?: Buffer): MeshResponse {
  const b = body ?? Buffer.alloc(0);
  return { status, headers: { 'content-length': String(b.length), ...headers }, body: b, local: true };
}

function routeInbound(req: MeshRequest): void {
  const raw = headerString(req.headers, ORIGINAL_PORT_HEADER);
  delete req.headers[ORIGINAL_PORT_HEADER];
  const port = Number(raw ?? req.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new MeshError('DPE', `mesh/inbound: bad ${ORIGINAL_PORT_HEADER} "${raw}"`, { status: 400 });
  req.port = port;
  const self = req.table.self.ip ?? req.table.proxy.ip ?? '127.0.0.1';
  req.passthrough = { host: self, port };
  const inbound = req.table.inboundServices.get(port);
  req.service = inbound?.service ?? lookupServiceHost(req.table, req.authority, port).service;
  req.servicePort = inbound?.port;
}

function rewritePath(route: CompiledHttpRoute, path: string): string {
  const rw = route.rewrite;
  if (!rw) return path;
  const q = path.indexOf('?');
  const pathOnly = q < 0 ? path : path.slice(0, q);
  const query = q < 0 ? '' : path.slice(q);
  if (rw.uriRegex) {
    try {
      return pathOnly.replace(new RegExp(rw.uriRegex.match), rw.uriRegex.rewrite.replace(/\\(\d)/g, '$$$1')) + query;
    } catch {
      return path;
    }
  }
  if (rw.uri === undefined) return path;
  const matched = route.matches.map((m) => m.uri).find((u) => u && (u.prefix !== undefined ? pathOnly.startsWith(u.prefix) : u.exact === pathOnly));
  if (matched?.prefix !== undefined) return rw.uri + pathOnly.slice(matched.prefix.length) + query;
  return rw.uri + query;
}

function redirectResponse(route: CompiledHttpRoute, req: MeshRequest): MeshResponse {
  const r = route.redirect!;
  const { host, port } = splitHostPort(req.authority);
  const scheme = r.scheme ?? req.scheme;
  let authority = r.authority ?? host;
  const outPort = r.port ?? (r.derivePort === 'FROM_REQUEST_PORT' ? port : undefined);
  if (outPort !== undefined) authority = `${splitHostPort(authority).host}:${outPort}`;
  else if (r.authority === undefined && port !== undefined && r.scheme === undefined) authority = `${host}:${port}`;
  const q = req.path.indexOf('?');
  const path = r.uri !== undefined ? r.uri + (q < 0 ? '' : req.path.slice(q)) : req.path;
  return localResponse(r.code, { location: `${scheme}://${authority}${path}` });
}

export function routeLayer(deps: LayerDeps): Layer {
  return {
    name: 'route',
    wrap: (next) => async (req) => {
      if (req.direction === 'inbound') {
        routeInbound(req);
        return next(req);
      }
      let routes: readonly CompiledHttpRoute[];
      if (req.table.proxy.kind === 'gateway') {
        const gh = lookupGatewayHost(req.table, req.authority);
        if (!gh) throw new MeshError('NR', `mesh/route: no gateway host matches "${req.authority}"`);
        routes = gh.routes;
      } else {
        const found = lookupServiceHost(req.table, req.authority, req.port);
        req.port = found.port;
        if (!found.service) {
          const loopback = isLoopbackAddress(found.host) && (isIpAddress(found.host) || found.host === 'localhost');
          if (deps.outboundTrafficPolicy === 'ALLOW_ANY' && loopback) {
            req.passthrough = { host: found.host === 'localhost' ? '127.0.0.1' : found.host, port: found.port };
            return next(req);
          }
          throw new MeshError('NR', `mesh/route: host "${found.host}" is not in the mesh${loopback ? '' : ' (passthrough is limited to loopback hosts)'}`, { status: 502 });
        }
        req.service = found.service;
        if (!found.virtualHost) throw new MeshError('NR', `mesh/route: ${found.service.fqdn} has no port ${found.port}`);
        routes = found.virtualHost.routes;
      }
      const { route } = matchHttpRoute(routes, {
        method: req.method,
        path: req.path,
        scheme: req.scheme,
        authority: req.authority,
        headers: req.headers,
        port: req.port,
        sourceLabels: req.source?.labels,
        sourceNamespace: req.source?.namespace,
      });
      if (!route) throw new MeshError('NR', `mesh/route: no rule matches ${req.method} ${req.authority}${req.path}`);
      req.route = route;

      const origin = headerString(req.headers, 'origin');
      const cors = route.cors && origin && originAllowed(route.cors, origin) ? route.cors : undefined;
      if (cors && isPreflight(req.method, req.headers)) return localResponse(200, preflightHeaders(cors, origin!));

      if (route.directResponse) {
        return localResponse(route.directResponse.status, { 'content-type': 'text/plain' }, route.directResponse.body);
      }
      if (route.redirect) return redirectResponse(route, req);

      const dest = pickWeighted(route.destinations, deps.random());
      if (!dest) throw new MeshError('NC', `mesh/route: rule ${route.ruleIndex} of ${route.origin} has no destination`, { status: 503 });
      req.destination = dest;
      if (req.table.proxy.kind === 'gateway') req.service = req.table.servicesByHost.get(dest.host);
      req.path = rewritePath(route, req.path);
      if (route.rewrite?.authority) req.authority = route.rewrite.authority;
      req.headers.host = req.authority;
      applyHeaderOps(req.headers, route.headers?.request);
      applyHeaderOps(req.headers, dest.headers?.request);
      const res = await next(req);
      applyHeaderOps(res.headers, dest.headers?.response);
      applyHeaderOps(res.headers, route.headers?.response);
      if (cors) Object.assign(res.headers, simpleResponseHeaders(cors, origin!));
      return res;
    },
  };
}
