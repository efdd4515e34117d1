// The rate limiter's one use of the yaml package: envoyproxy/ratelimit configs
// arrive as YAML text inside ConfigMaps.

import { parse } from 'yaml';

export function parseYamlDocument(text: string): unknown {
  return parse(text) as unknown;
}
