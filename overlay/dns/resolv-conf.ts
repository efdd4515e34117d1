// Reads the host's upstream resolvers from resolv.conf, the default for the
// forward plugin (what CoreDNS's `forward . /etc/resolv.conf` does).

import { readFileSync } from 'node:fs';

export function nameserversFromResolvConf(path = '/etc/resolv.conf'): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const servers: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) servers.push(m[1]!.includes(':') && !m[1]!.includes('.') ? `[${m[1]}]:53` : m[1]!);
  }
  return servers;
}
