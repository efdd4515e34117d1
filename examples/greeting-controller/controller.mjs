// The Greeting controller, run inside the cluster as a Deployment. It uses
// in-cluster config only: KubeConfig.loadFromCluster() reads
// KUBERNETES_SERVICE_HOST/PORT (set by the kubelet, or meshlet's node agent)
// and the service-account token, ca.crt and namespace mounted at
// /var/run/secrets/kubernetes.io/serviceaccount. All replicas candidate for
// the Lease `greeting-controller`; only the leader watches Greetings and
// reconciles them. A leader that cannot renew exits, as client-go
// controllers do, and the kubelet restarts it as a follower.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Watch, makeInformer } from '@kubernetes/client-node';
import { LeaderElector } from './leader-election.mjs';
import { GROUP, PLURAL, VERSION, reconcileGreeting } from './reconcile.mjs';
import { WorkQueue } from './work-queue.mjs';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const identity = process.env.POD_NAME || hostname();
const log = (line) => console.log(`${new Date().toISOString()} greeting-controller ${identity}: ${line}`);
const seconds = (name, fallback) => Number(process.env[name] ?? fallback);

const kc = new KubeConfig();
kc.loadFromCluster();
const namespace = readFileSync(`${SA_DIR}/namespace`, 'utf8').trim();
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const coordination = kc.makeApiClient(CoordinationV1Api);
log(`starting in namespace ${namespace}, API server ${kc.getCurrentCluster()?.server}`);

const queue = new WorkQueue((key) => {
  const [ns, name] = key.split('/');
  return reconcileGreeting({ core, custom, identity, log }, ns, name);
}, (key, err) => log(`reconcile ${key} failed (will retry): ${err?.body?.message ?? err?.message ?? err}`));

const path = `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
let informer;

function startInformer() {
  informer = makeInformer(kc, path, () => custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL }));
  const enqueue = (obj) => queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
  informer.on('add', enqueue);
  informer.on('update', enqueue);
  informer.on('error', (err) => {
    // client-node's informer stops on errors; a watch that broke is restarted after a pause.
    log(`watch on ${path} failed: ${err?.message ?? err}; restarting`);
    setTimeout(() => { if (elector.leading) informer.start().catch(() => {}); }, 2000);
  });
  informer.start().then(() => log(`watching ${PLURAL}.${GROUP} in ${namespace}`), (err) => log(`informer start failed: ${err?.message ?? err}`));
}

const LEASE_NAME = 'greeting-controller';

/** Watches the namespace's Leases for ours; a broken watch is opened again after a second. */
function watchLease(onLease) {
  const watch = new Watch(kc);
  const open = () => {
    watch
      .watch(`/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`, {}, (_type, lease) => {
        if (lease?.metadata?.name === LEASE_NAME) onLease(lease);
      }, () => setTimeout(open, 1000))
      .catch(() => setTimeout(open, 1000));
  };
  open();
}

const elector = new LeaderElector({
  api: coordination,
  namespace,
  name: LEASE_NAME,
  identity,
  watchLease,
  leaseDurationSeconds: seconds('LEASE_DURATION_SECONDS', 15),
  renewDeadlineSeconds: seconds('RENEW_DEADLINE_SECONDS', 10),
  retryPeriodSeconds: seconds('RETRY_PERIOD_SECONDS', 2),
  onStartedLeading: startInformer,
  onStoppedLeading: () => {
    queue.stop();
    process.exit(1);
  },
  onNewLeader: (holder) => log(`following: the leader is ${holder}`),
  log,
});

let shuttingDown = false;
async function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  log(`${signal}: shutting down`);
  queue.stop();
  await informer?.stop().catch(() => {});
  await elector.release();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

void elector.run();
