// `meshlet up`: start a cluster (control plane, DNS, gateway, dashboard, N
// node agents), apply manifests, print the URLs. With --detach it runs the
// same command as a background daemon and returns once that one is ready.

import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MeshletError, systemClock } from '../../api/index.ts';
import type { Client } from '../../api/index.ts';
import { startCluster } from '../../cluster/cluster.ts';
import { loadManifests } from '../../cluster/manifests.ts';
import { loadSchedulerConfig } from '../../scheduler/index.ts';
import { str, strs, num, bool, UsageError } from '../args.ts';
import type { CommandSpec, FlagSpec, ParsedArgs } from '../args.ts';
import type { RestartBackoffOptions } from '../../agent/containers/index.ts';
import { logFile, meshletHome, processAlive, readState, removeState, writeState } from '../home.ts';
import type { ClusterStateFile } from '../home.ts';
import { printApplyResults } from './apply.ts';
import { expectedPodCount, formatPodProgress } from '../progress/pod-progress.ts';
import { ProgressLine } from '../progress/progress-line.ts';
import { waitForPods } from '../progress/wait-for-pods.ts';
import { relayLogLines } from '../progress/log-relay.ts';
import { AUTOSCALING_FLAGS, autoscalingOptionsFromArgs } from './up-autoscaling.ts';

// A new flag is one line here; read it in upCommand with str/strs/num/bool(args, key).
export const UP_FLAGS: FlagSpec[] = [
  { names: ['-f', '--filename'], key: 'files', kind: 'strings', value: 'FILE|DIR', help: 'manifest to apply once up (repeatable)' },
  { names: ['--nodes'], key: 'nodes', kind: 'number', help: 'node agents to run (default 1)' },
  { names: ['--detach', '-d'], key: 'detach', kind: 'boolean', help: 'run in the background; return once the cluster is ready' },
  { names: ['--quiet', '-q'], key: 'quiet', kind: 'boolean', help: 'no progress lines while waiting for pods' },
  { names: ['--api-port'], key: 'apiPort', kind: 'number', value: 'PORT', help: 'API server port (default: a free one)' },
  { names: ['--ingress-port'], key: 'ingressPort', kind: 'number', value: 'PORT', help: 'ingress gateway port (default: a free one)' },
  { names: ['--dns-port'], key: 'dnsPort', kind: 'number', value: 'PORT', help: 'cluster DNS port (default 53 if free, else a free one)' },
  { names: ['--ui-port'], key: 'uiPort', kind: 'number', value: 'PORT', help: 'dashboard port (default: a free one)' },
  { names: ['--store'], key: 'store', kind: 'string', value: 'redis://…|etcd://…', help: 'keep cluster state in Redis or etcd (lets nodes join)' },
  { names: ['--data-dir'], key: 'dataDir', kind: 'string', value: 'DIR', help: 'keep cluster state in files under DIR' },
  { names: ['--redis'], key: 'redis', kind: 'string', value: 'URL', help: 'Redis for global rate limits' },
  { names: ['--cluster-cidr'], key: 'clusterCidr', kind: 'string', value: 'CIDR', help: 'pod network (default 10.244.0.0/16)' },
  { names: ['--service-cidr'], key: 'serviceCidr', kind: 'string', value: 'CIDR', help: 'ClusterIP range' },
  { names: ['--image-map'], key: 'imageMaps', kind: 'strings', value: 'FILE', help: 'extra image map (repeatable)' },
  { names: ['--restart-backoff-ms'], key: 'restartBackoffMs', kind: 'number', value: 'MS', help: 'first container restart back-off (default 10000, doubling)' },
  { names: ['--restart-backoff-max-ms'], key: 'restartBackoffMaxMs', kind: 'number', value: 'MS', help: 'longest container restart back-off (default 300000)' },
  { names: ['--scheduler-config'], key: 'schedulerConfig', kind: 'string', value: 'FILE', help: 'KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) with profiles and pluginModules' },
  { names: ['--node-monitor-grace-period'], key: 'nodeMonitorGracePeriod', kind: 'string', value: 'DURATION', help: 'how long a node may miss heartbeats before it is Unknown (default 40s)' },
  ...AUTOSCALING_FLAGS,
];

const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));
const READY_TIMEOUT_MS = 120_000;
/** Within the detached parent's READY_TIMEOUT_MS, so a slow pod delays the URLs but never fails `up`. */
const PODS_READY_TIMEOUT_MS = 60_000;
/** How long a failed start may take to wind down before the process exits regardless. */
const FAILED_EXIT_GRACE_MS = 10_000;

export const upCommand: CommandSpec = {
  name: 'up',
  summary: 'start a cluster, apply manifests, wait for their pods and print the URLs',
  operands: '[dirs...]',
  completeOperand: 'files',
  flags: UP_FLAGS,
  run: startUp,
};

async function startUp(args: ParsedArgs, argv: readonly string[]): Promise<number> {
  const nodeMonitorGracePeriodMs = parseGracePeriod(str(args, 'nodeMonitorGracePeriod'));
  const autoscaling = autoscalingOptionsFromArgs(args);
  const home = meshletHome();
  const existing = readState(home);
  if (existing && processAlive(existing.pid)) {
    process.stderr.write(`meshlet: a cluster is already running in ${home} (pid ${existing.pid}); run "meshlet down" first or set MESHLET_HOME\n`);
    return 1;
  }
  if (existing) removeState(home);
  const manifestPaths = [...strs(args, 'files'), ...args.positional];
  // Parse manifests before starting anything: a YAML error should not leave a half-started cluster.
  const manifests = loadManifests(manifestPaths);
  // So is a bad scheduler configuration (or a plugin module that does not load).
  const schedulerConfigPath = str(args, 'schedulerConfig');
  const schedulerConfig = schedulerConfigPath ? await loadSchedulerConfig(schedulerConfigPath) : undefined;
  if (bool(args, 'detach')) return detach(argv.filter((a) => a !== '--detach' && a !== '-d'), home);

  let stopCluster: (() => Promise<void>) | undefined;
  try {
    const cluster = await startCluster({
      home,
      nodes: num(args, 'nodes'),
      apiPort: num(args, 'apiPort'),
      ingressPort: num(args, 'ingressPort'),
      dnsPort: num(args, 'dnsPort'),
      uiPort: num(args, 'uiPort'),
      storeUrl: str(args, 'store'),
      dataDir: str(args, 'dataDir'),
      rateLimitRedis: str(args, 'redis'),
      clusterCidr: str(args, 'clusterCidr'),
      serviceCidr: str(args, 'serviceCidr'),
      imageMaps: strs(args, 'imageMaps'),
      restartBackoff: restartBackoffFromArgs(args),
      nodeMonitorGracePeriodMs,
      ...(schedulerConfig ? { schedulerConfig } : {}),
      ...autoscaling,
    });
    stopCluster = () => cluster.stop();
    const state: ClusterStateFile = {
      pid: process.pid,
      home,
      apiServer: cluster.apiServer.url,
      token: cluster.token,
      caData: cluster.apiServer.caData,
      kubeconfig: cluster.kubeconfigPath,
      ingress: cluster.ingressUrl,
      ingressTcp: { ...cluster.ingressTcpPorts },
      dashboard: cluster.dashboardUrl,
      dns: cluster.dns,
      nodes: cluster.nodes,
      clusterCidr: cluster.clusterCidr,
      serviceCidr: cluster.serviceCidr,
      startedAt: new Date().toISOString(),
    };
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`meshlet: ${signal}: stopping the cluster\n`);
      void cluster.stop().finally(() => {
        removeState(home);
        process.exit(0);
      });
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));

    if (manifests.length) {
      const results = await cluster.apply(manifests.map((m) => m.object));
      // A manifest the API rejects fails `up` as a whole: the user asked for a cluster running these objects.
      if (!printApplyResults(results)) {
        const failed = results.filter((r) => r.action === 'failed').map((r) => `${r.ref}: ${r.error?.message ?? 'failed'}`);
        throw new MeshletError('MESHLET_UP_APPLY_FAILED', `the cluster was stopped because the API rejected ${failed.length} manifest object(s): ${failed.join('; ')}`);
      }
      // Bookinfo (npm start): point straight at the page to open.
      if (results.some((r) => r.ref === 'service/productpage' && r.action !== 'failed')) state.productPage = `${cluster.ingressUrl}/productpage`;
      const expected = expectedPodCount(manifests.map((m) => m.object));
      // A signal while waiting stops the cluster under the wait: its errors are no news then.
      await reportPodReadiness(cluster.registry, expected, bool(args, 'quiet')).catch((err: unknown) => {
        if (!stopping) throw err;
      });
    }
    // Stopping already: no state file for a cluster that is going away.
    if (stopping) return new Promise<number>(() => undefined);
    writeState(home, state);
    printUrls(state);
    reportToParent({ ready: true });
  } catch (err) {
    await stopCluster?.();
    reportToParent({ error: errorMessage(err) });
    exitEvenIfHeldOpen();
    throw err;
  }
  return new Promise<number>(() => {
    // Runs until a signal stops it.
  });
}

/** --restart-backoff-ms / --restart-backoff-max-ms; unset ones keep kubelet's 10 s and 300 s. */
export function restartBackoffFromArgs(args: ParsedArgs): RestartBackoffOptions {
  const initialMs = num(args, 'restartBackoffMs');
  const maxMs = num(args, 'restartBackoffMaxMs');
  return { ...(initialMs !== undefined ? { initialMs } : {}), ...(maxMs !== undefined ? { maxMs } : {}) };
}

/** kube-controller-manager's duration syntax, kept to what a grace period needs: `40s`, `1m`, `500ms`. */
function parseGracePeriod(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  const ms = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'] : NaN;
  if (!(ms >= 1000)) throw new UsageError(`invalid value "${value}" for --node-monitor-grace-period: expected a duration of at least 1s such as 40s or 2m`);
  return ms;
}

/** Progress goes to stderr so stdout stays the apply results and the URL lines scripts parse. */
async function reportPodReadiness(client: Client, expected: number, quiet: boolean): Promise<void> {
  const line = new ProgressLine(process.stderr, systemClock);
  const last = await waitForPods({
    client,
    expected,
    clock: systemClock,
    timeoutMs: PODS_READY_TIMEOUT_MS,
    onProgress: (progress) => {
      if (!quiet && !progress.done) line.update(formatPodProgress(progress));
    },
  });
  if (last.done) {
    if (!quiet) line.finish(formatPodProgress(last));
    return;
  }
  // Not silenced by --quiet: the cluster is up, but something the user asked for is not.
  line.finish(`meshlet: not all pods are Ready after ${PODS_READY_TIMEOUT_MS / 1000}s; ${formatPodProgress(last)}`);
}

export function printUrls(state: ClusterStateFile): void {
  const lines = [
    `meshlet: cluster is up (${state.nodes.length} node${state.nodes.length === 1 ? '' : 's'}, home ${state.home})`,
    `  ingress:    ${state.ingress}`,
    ...(state.productPage ? [`  product page: ${state.productPage}`] : []),
    `  dashboard:  ${state.dashboard}`,
    `  API server: ${state.apiServer}   (kubectl --kubeconfig ${state.kubeconfig} get pods)`,
    `  DNS:        ${state.dns.host}:${state.dns.port}   (dig @${state.dns.host}${state.dns.port === 53 ? '' : ` -p ${state.dns.port}`} productpage.default.svc.cluster.local)`,
    `  stop with:  meshlet down`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** What a daemon started by `up --detach` tells the command waiting for it. */
type DaemonReport = { ready: true } | { error: string };

const DAEMON_ENV = 'MESHLET_UP_DAEMON';

function reportToParent(report: DaemonReport): void {
  if (process.env[DAEMON_ENV] !== '1' || !process.send || !process.connected) return;
  // Disconnect once sent: an open IPC channel would keep the daemon's event loop (and a failed daemon) alive.
  process.send(report, () => process.disconnect());
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A failed start has stopped everything the cluster opened; if some library still
 * holds a handle (a reconnecting client, a timer), the process must end anyway
 * rather than linger as an invisible half-started cluster.
 */
function exitEvenIfHeldOpen(): void {
  setTimeout(() => process.exit(1), FAILED_EXIT_GRACE_MS).unref();
}

/** The lines reportPodReadiness writes (the child honours --quiet itself), passed on from the log. */
const isProgressLine = (line: string) => /^(waiting for pods|pods): |^meshlet: not all pods are Ready/.test(line);

async function detach(argv: readonly string[], home: string): Promise<number> {
  const out = openSync(logFile(home), 'a');
  const progress = relayLogLines(logFile(home), fstatSync(out).size, isProgressLine, (text) => void process.stderr.write(text));
  const child = spawn(process.execPath, [BIN, 'up', ...argv], {
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
    env: { ...process.env, MESHLET_HOME: home, [DAEMON_ENV]: '1' },
  });
  closeSync(out);
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  const outcome = await new Promise<DaemonReport | { exitCode: number } | { timeout: true }>((resolve) => {
    const timer = setTimeout(() => resolve({ timeout: true }), READY_TIMEOUT_MS);
    child.once('message', (message: DaemonReport) => {
      clearTimeout(timer);
      resolve(message);
    });
    void exited.then((exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode });
    });
  });
  // After the outcome: the daemon prints its last progress line before it reports.
  progress.poll();
  progress.close();
  const state = readState(home);
  if ('ready' in outcome && state && state.pid === child.pid) {
    if (child.connected) child.disconnect();
    child.unref();
    printUrls(state);
    return 0;
  }
  const reason = 'error' in outcome ? outcome.error : 'exitCode' in outcome ? `the cluster process exited with code ${outcome.exitCode}` : `the cluster did not become ready in ${READY_TIMEOUT_MS / 1000} s`;
  // Whatever went wrong, no daemon may outlive this command: it stops itself after a failure, or is stopped here.
  await stopDaemon(child, exited);
  const tail = readFileSync(logFile(home), 'utf8').split('\n').slice(-20).join('\n');
  process.stderr.write(`meshlet up: ${reason}\nlast log lines (${logFile(home)}):\n${tail}\n`);
  return 1;
}

async function stopDaemon(child: ChildProcess, exited: Promise<number>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const within = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  if (await within(FAILED_EXIT_GRACE_MS + 5_000)) return;
  child.kill('SIGTERM');
  if (await within(30_000)) return;
  child.kill('SIGKILL');
  await exited;
}
