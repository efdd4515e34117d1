// `meshlet up`: start a cluster (control plane, DNS, gateway, dashboard, N
// node agents), apply manifests, print the URLs. With --detach it runs the
// same command as a background daemon and returns once that one is ready.

import { closeSync, openSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MeshletError } from '../../api/index.ts';
import { startCluster } from '../../cluster/cluster.ts';
import { loadManifests } from '../../cluster/manifests.ts';
import { parseArgs, str, strs, num, bool, UsageError } from '../args.ts';
import type { FlagSpec, ParsedArgs } from '../args.ts';
import type { RestartBackoffOptions } from '../../agent/containers/index.ts';
import { logFile, meshletHome, processAlive, readState, removeState, writeState } from '../home.ts';
import type { ClusterStateFile } from '../home.ts';
import { printApplyResults } from './apply.ts';

export const UP_FLAGS: FlagSpec[] = [
  { names: ['-f', '--filename'], key: 'files', kind: 'strings' },
  { names: ['--nodes'], key: 'nodes', kind: 'number' },
  { names: ['--detach', '-d'], key: 'detach', kind: 'boolean' },
  { names: ['--api-port'], key: 'apiPort', kind: 'number' },
  { names: ['--ingress-port'], key: 'ingressPort', kind: 'number' },
  { names: ['--dns-port'], key: 'dnsPort', kind: 'number' },
  { names: ['--ui-port'], key: 'uiPort', kind: 'number' },
  { names: ['--store'], key: 'store', kind: 'string' },
  { names: ['--data-dir'], key: 'dataDir', kind: 'string' },
  { names: ['--redis'], key: 'redis', kind: 'string' },
  { names: ['--cluster-cidr'], key: 'clusterCidr', kind: 'string' },
  { names: ['--service-cidr'], key: 'serviceCidr', kind: 'string' },
  { names: ['--image-map'], key: 'imageMaps', kind: 'strings' },
  { names: ['--restart-backoff-ms'], key: 'restartBackoffMs', kind: 'number' },
  { names: ['--restart-backoff-max-ms'], key: 'restartBackoffMaxMs', kind: 'number' },
  { names: ['--node-monitor-grace-period'], key: 'nodeMonitorGracePeriod', kind: 'string' },
];

const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));
const READY_TIMEOUT_MS = 120_000;
/** How long a failed start may take to wind down before the process exits regardless. */
const FAILED_EXIT_GRACE_MS = 10_000;

export async function upCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, UP_FLAGS);
  const nodeMonitorGracePeriodMs = parseGracePeriod(str(args, 'nodeMonitorGracePeriod'));
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
    }
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

async function detach(argv: string[], home: string): Promise<number> {
  const out = openSync(logFile(home), 'a');
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
