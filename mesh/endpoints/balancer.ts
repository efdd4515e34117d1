// Endpoint choice for one attempt under a cluster's load-balancer policy.

import type { EndpointInfo, LoadBalancerPolicy } from '../config/table.ts';
import { rendezvousPick } from './hash.ts';
import type { ClusterStates } from './state.ts';
import { endpointKey } from './state.ts';

export interface HashInputs {
  header(name: string): string | undefined;
  cookie(name: string): string | undefined;
  queryParam(name: string): string | undefined;
  sourceIp: string;
}

export interface Pick {
  endpoint?: EndpointInfo;
  /** Hash key used, or a note on how the endpoint was chosen. */
  note: string;
  /** Cookie to set when consistentHash.httpCookie had to generate one. */
  setCookie?: string;
}

export function pickEndpoint(
  cluster: string,
  lb: LoadBalancerPolicy,
  candidates: readonly EndpointInfo[],
  states: ClusterStates,
  random: () => number,
  inputs: HashInputs,
): Pick {
  if (candidates.length === 0) return { note: 'no healthy endpoints' };
  switch (lb.kind) {
    case 'RANDOM':
      return { endpoint: candidates[Math.floor(random() * candidates.length)], note: 'random' };
    case 'LEAST_REQUEST': {
      if (candidates.length === 1) return { endpoint: candidates[0], note: 'least request (single)' };
      const i = Math.floor(random() * candidates.length);
      let j = Math.floor(random() * (candidates.length - 1));
      if (j >= i) j += 1;
      const a = candidates[i]!;
      const b = candidates[j]!;
      const ra = states.endpoint(cluster, a).active;
      const rb = states.endpoint(cluster, b).active;
      return { endpoint: rb < ra ? b : a, note: `least request of ${endpointKey(a)} (${ra} active) and ${endpointKey(b)} (${rb} active)` };
    }
    case 'CONSISTENT_HASH': {
      let key: string | undefined;
      let setCookie: string | undefined;
      if (lb.by === 'header') key = inputs.header(lb.name!);
      else if (lb.by === 'queryParam') key = inputs.queryParam(lb.name!);
      else if (lb.by === 'sourceIp') key = inputs.sourceIp;
      else if (lb.by === 'cookie') {
        key = inputs.cookie(lb.name!);
        if (key === undefined && lb.cookieTtlMs !== undefined) {
          key = Math.floor(random() * 2 ** 48).toString(16);
          setCookie = `${lb.name}=${key}; Max-Age=${Math.ceil(lb.cookieTtlMs / 1000)}; Path=${lb.cookiePath ?? '/'}; HttpOnly`;
        }
      }
      if (key === undefined) return { endpoint: candidates[Math.floor(random() * candidates.length)], note: `consistent hash: no ${lb.by} ${lb.name ?? ''} value, random` };
      return { endpoint: rendezvousPick(key, candidates, endpointKey), note: `consistent hash on ${lb.by}${lb.name ? ` ${lb.name}` : ''}="${key}"`, setCookie };
    }
    case 'PASSTHROUGH':
    case 'ROUND_ROBIN':
    default: {
      const c = states.get(cluster);
      const e = candidates[c.rrCursor % candidates.length]!;
      c.rrCursor = (c.rrCursor + 1) % 1_000_000_007;
      return { endpoint: e, note: 'round robin' };
    }
  }
}
