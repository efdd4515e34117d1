// Runs iproute2 (`ip`, `bridge`) without a shell. Every call is an argv array so
// no name can inject anything; failures become MESHLET_NETNS_COMMAND with stderr.

import { execFile } from 'node:child_process';
import { NETNS_ERROR_CODES, netnsError } from './errors.ts';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export function run(command: 'ip' | 'bridge' | 'sysctl', args: readonly string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, [...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const detail = stderr.trim() || err.message;
        reject(netnsError(NETNS_ERROR_CODES.command, `overlay/netns: ${command} ${args.join(' ')} failed: ${detail}`, err));
        return;
      }
      resolve({ stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** `ip [-n ns] <args>`; `netns` undefined means the host namespace (used only for `ip netns …`). */
export function ip(netns: string | undefined, args: readonly string[]): Promise<CommandResult> {
  return run('ip', netns === undefined ? args : ['-n', netns, ...args]);
}

/**
 * Several `ip` commands in one process (`ip -n ns -batch -`): one fork instead
 * of one per step, which is most of the cost of wiring a pod. `-force` is not
 * used, so the first failing line fails the whole call.
 */
export async function ipBatch(netns: string, lines: readonly string[]): Promise<void> {
  await run('ip', ['-n', netns, '-batch', '-'], lines.join('\n') + '\n');
}

/** Parses `ip -j …` output; iproute2 prints nothing at all when the list is empty. */
export async function ipJson<T>(netns: string | undefined, args: readonly string[]): Promise<T[]> {
  const { stdout } = await ip(netns, ['-j', ...args]);
  const text = stdout.trim();
  return text === '' ? [] : (JSON.parse(text) as T[]);
}

/** Sets a per-namespace sysctl (e.g. net.ipv4.ip_forward) inside `netns`. */
export async function setSysctl(netns: string, key: string, value: string): Promise<void> {
  await ip(undefined, ['netns', 'exec', netns, 'sysctl', '-q', '-w', `${key}=${value}`]);
}
