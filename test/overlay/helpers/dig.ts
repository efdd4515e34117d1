// Runs the real `dig` against a server and parses what tests assert on.

import { execFile } from 'node:child_process';

export interface DigResult {
  status: string;
  flags: string[];
  answer: string[];
  authority: string[];
  additional: string[];
  /** The `; EDNS:` pseudo-section line, if any. */
  edns: string | undefined;
  raw: string;
}

let checked: Promise<void> | undefined;

/** Fails with the install command when dig is missing. */
export function requireDig(): Promise<void> {
  checked ??= new Promise((resolve, reject) => {
    execFile('dig', ['-v'], (err) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error('dig is not installed: run `apt-get install -y dnsutils`'));
      } else resolve();
    });
  });
  return checked;
}

export async function dig(server: { host: string; port: number }, args: string[]): Promise<DigResult> {
  await requireDig();
  const argv = [`@${server.host}`, '-p', String(server.port), '+tries=1', '+time=3', '+noall', '+comments', '+answer', '+authority', '+additional', ...args];
  const raw = await new Promise<string>((resolve, reject) => {
    execFile('dig', argv, { timeout: 15_000 }, (err, stdout) => {
      if (err && !stdout) reject(new Error(`dig ${argv.join(' ')} failed: ${err.message}`));
      else resolve(stdout);
    });
  });
  const result: DigResult = { status: '', flags: [], answer: [], authority: [], additional: [], edns: undefined, raw };
  let section: 'answer' | 'authority' | 'additional' | undefined;
  for (const line of raw.split('\n')) {
    const status = /status: (\w+)/.exec(line);
    if (status) result.status = status[1]!;
    const flags = /;; flags: ([^;]*);/.exec(line);
    if (flags) result.flags = flags[1]!.trim().split(/\s+/);
    if (line.startsWith('; EDNS:')) result.edns = line;
    if (line.startsWith(';; ANSWER SECTION')) section = 'answer';
    else if (line.startsWith(';; AUTHORITY SECTION')) section = 'authority';
    else if (line.startsWith(';; ADDITIONAL SECTION')) section = 'additional';
    else if (line.startsWith(';') || line.trim() === '') continue;
    else if (section) result[section].push(line.split(/\s+/).join(' '));
  }
  return result;
}

/** `dig +short`: the answer values only. */
export async function digShort(server: { host: string; port: number }, args: string[]): Promise<string[]> {
  await requireDig();
  const argv = [`@${server.host}`, '-p', String(server.port), '+tries=1', '+time=3', '+short', ...args];
  const out = await new Promise<string>((resolve, reject) => {
    execFile('dig', argv, { timeout: 15_000 }, (err, stdout) => (err ? reject(new Error(`dig ${argv.join(' ')} failed: ${err.message}`)) : resolve(stdout)));
  });
  return out.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith(';'));
}
