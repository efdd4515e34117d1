// `meshlet logs <pod> | -l SELECTOR [-c container] [-f] [--tail N] [--prefix] [-n ns]`
// With a selector it does what kubectl does: every matching pod's default
// container (or -c, or --all-containers), the last 10 lines unless --tail says
// otherwise, followed streams in parallel up to --max-log-requests.

import { PODS } from '../../api/index.ts';
import type { Pod } from '../../api/index.ts';
import { objectPath } from '../../client/index.ts';
import type { HttpClient } from '../../client/index.ts';
import { str, num, bool, UsageError } from '../args.ts';
import type { CommandSpec, ParsedArgs } from '../args.ts';
import { connect } from './connect.ts';
import { linePrefixer } from './line-prefixer.ts';

/** kubectl's --tail default when a selector picks the pods. */
const SELECTOR_TAIL_LINES = 10;
const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

export const logsCommand: CommandSpec = {
  name: 'logs',
  summary: 'print the logs of a pod, or of every pod a label selector matches',
  operands: '[pod]',
  flags: [
    { names: ['-n', '--namespace'], key: 'namespace', kind: 'string', value: 'NS', help: 'namespace (default "default")' },
    { names: ['-c', '--container'], key: 'container', kind: 'string', value: 'CONTAINER', help: 'container (default: the pod\'s default container)' },
    { names: ['-l', '--selector'], key: 'selector', kind: 'string', value: 'SELECTOR', help: 'label selector, e.g. app=reviews, instead of a pod name' },
    { names: ['--all-containers'], key: 'allContainers', kind: 'boolean', help: 'every container of the pod(s)' },
    { names: ['--prefix'], key: 'prefix', kind: 'boolean', help: 'start each line with [pod/NAME/CONTAINER]' },
    { names: ['-f', '--follow'], key: 'follow', kind: 'boolean', help: 'stream new lines until interrupted' },
    { names: ['--tail'], key: 'tail', kind: 'number', help: 'only the last N lines (default: all, or 10 with -l)' },
    { names: ['-p', '--previous'], key: 'previous', kind: 'boolean', help: 'the previous instance of the container' },
    { names: ['--max-log-requests'], key: 'maxLogRequests', kind: 'number', default: 5, help: 'most streams to follow at once with -l' },
  ],
  run: printLogs,
};

interface LogSource {
  pod: string;
  container: string | undefined;
}

async function printLogs(args: ParsedArgs): Promise<number> {
  const podName = args.positional[0];
  const selector = str(args, 'selector');
  if (podName && selector) throw new UsageError('give a pod name or -l SELECTOR, not both');
  if (!podName && !selector) throw new UsageError('logs needs a pod name or -l SELECTOR');
  const namespace = str(args, 'namespace') ?? 'default';
  const { client } = connect();
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    const sources = podName ? await podSources(client, namespace, podName, args) : await selectedSources(client, namespace, selector!, args);
    if (sources.length === 0) {
      process.stderr.write(`No resources found in ${namespace} namespace.\n`);
      return 0;
    }
    const follow = bool(args, 'follow');
    const maxRequests = num(args, 'maxLogRequests') ?? 5;
    if (follow && sources.length > maxRequests) {
      throw new UsageError(`you are attempting to follow ${sources.length} log streams, but maximum allowed concurrency is ${maxRequests}, use --max-log-requests to increase the limit`);
    }
    const query = logQuery(args, selector !== undefined);
    const stream = (source: LogSource) => streamLog(client, namespace, source, query, bool(args, 'prefix'), abort.signal);
    // Following interleaves the streams as lines arrive; a snapshot keeps each pod's lines together.
    if (follow) await Promise.all(sources.map(stream));
    else for (const source of sources) await stream(source);
    return 0;
  } finally {
    client.close();
  }
}

function logQuery(args: ParsedArgs, bySelector: boolean): URLSearchParams {
  const query = new URLSearchParams();
  if (bool(args, 'follow')) query.set('follow', 'true');
  if (bool(args, 'previous')) query.set('previous', 'true');
  const tail = num(args, 'tail') ?? (bySelector ? SELECTOR_TAIL_LINES : undefined);
  if (tail !== undefined) query.set('tailLines', String(tail));
  return query;
}

function containersOf(pod: Pod, args: ParsedArgs): (string | undefined)[] {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  if (str(args, 'container')) return [str(args, 'container')];
  if (bool(args, 'allContainers')) return names;
  return [pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION] ?? names[0]];
}

async function podSources(client: HttpClient, namespace: string, name: string, args: ParsedArgs): Promise<LogSource[]> {
  // Only --prefix and --all-containers need the pod's containers; otherwise the server picks, as before.
  if (!bool(args, 'prefix') && !bool(args, 'allContainers')) return [{ pod: name, container: str(args, 'container') }];
  const pod = await client.get<Pod>(PODS, namespace, name);
  if (!pod) throw new UsageError(`pods "${name}" not found in namespace ${namespace}`);
  return containersOf(pod, args).map((container) => ({ pod: name, container }));
}

async function selectedSources(client: HttpClient, namespace: string, selector: string, args: ParsedArgs): Promise<LogSource[]> {
  const pods = await client.list<Pod>(PODS, { namespace, labelSelector: selector });
  const sorted = [...pods.items].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return sorted.flatMap((pod) => containersOf(pod, args).map((container) => ({ pod: pod.metadata.name, container })));
}

async function streamLog(client: HttpClient, namespace: string, source: LogSource, base: URLSearchParams, prefix: boolean, signal: AbortSignal): Promise<void> {
  const query = new URLSearchParams(base);
  if (source.container) query.set('container', source.container);
  const write = (text: string) => void process.stdout.write(text);
  const sink = prefix ? linePrefixer(`[pod/${source.pod}/${source.container ?? ''}] `, write) : { push: write, end: () => undefined };
  await client.streamText(`${objectPath(PODS, namespace, source.pod, 'log')}?${query}`, (text) => sink.push(text), signal);
  sink.end();
}
