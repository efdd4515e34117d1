// The node agent mounts a pod's volumes through the real runtime, against the
// in-process registry: objects behind volumes are read as the kubelet reads
// them, a volume that cannot be mounted keeps the pod in ContainerCreating with
// a FailedMount event naming it, and configMap edits reach the files in place.

import t from 'tap';
import type { Test } from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { CONFIG_MAPS, EVENTS, PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, PODS, SECRETS } from '../../control/api/index.ts';
import type { ObjectInput, Pod } from '../../control/api/index.ts';
import { NodeAgent } from '../../control/agent/index.ts';
import { createPodRuntime, imageMapFromEntries, probeMountSupport } from '../../control/agent/containers/index.ts';
import { waitFor } from '../helpers/wait.ts';

const support = probeMountSupport();
const skip = support.mode === 'none' ? `this kernel refuses mount namespaces: ${support.reason}` : false;

async function setup(t: Test, volumeSyncMs = 200) {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-agent-volumes-'));
  const registry = createRegistry({ store: new MemoryStore() });
  await registry.ensureNamespaces();
  const runtime = createPodRuntime({ runDir: join(dir, 'run'), imageMap: imageMapFromEntries({}) });
  let next = 2;
  const agent = new NodeAgent({
    client: registry,
    nodeName: 'node-1',
    nodeAddress: '127.251.1.1',
    podCidr: '127.251.1.0/24',
    podIps: { allocate: async () => `127.251.1.${next++}`, release: async () => {} },
    runtime,
    networkEnv: async () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin' }),
    clusterDns: { host: '127.96.0.10', port: 53 },
    serviceAccountToken: async (pod, request) => `token-for-${pod.spec?.serviceAccountName ?? 'default'}-${request.expirationSeconds}`,
    volumeSyncMs,
  });
  await agent.start();
  t.teardown(async () => {
    await agent.stop();
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const logOf = async (name: string, container = 'app'): Promise<string> => {
    let out = '';
    for await (const chunk of runtime.logs('default', name, { container })) out += chunk;
    return out;
  };
  const events = async (name: string) => (await registry.list(EVENTS, { namespace: 'default' })).items.filter((e) => e.involvedObject.name === name);
  return { dir, registry, runtime, logOf, events };
}

function pod(name: string, script: string, volumes: unknown[], mounts: unknown[], extra: Record<string, unknown> = {}): ObjectInput {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web', tier: 'front' } },
    spec: {
      nodeName: 'node-1',
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'app', image: 'meshlet-test/sh', command: ['/bin/sh', '-c', script], volumeMounts: mounts }],
      volumes,
      ...extra,
    },
  };
}

const forever = 'while true; do sleep 1; done';

t.test('a missing configMap: FailedMount naming the volume, ContainerCreating, then the pod starts once it exists; edits reach the file', { skip, timeout: 120_000 }, async (t) => {
  const { registry, logOf, events } = await setup(t);
  await registry.create(PODS, pod('web', 'while true; do echo "v=$(cat /etc/config/greeting)"; sleep 0.2; done', [{ name: 'config', configMap: { name: 'web-config' } }], [{ name: 'config', mountPath: '/etc/config' }]));
  const failed = await waitFor('FailedMount', async () => (await events('web')).find((e) => e.reason === 'FailedMount'), { timeoutMs: 30_000 });
  t.equal(failed.type, 'Warning');
  t.equal(failed.message, 'MountVolume.SetUp failed for volume "config" : configmap "web-config" not found');
  const waiting = await waitFor('ContainerCreating', async () => (await registry.get<Pod>(PODS, 'default', 'web'))?.status?.containerStatuses?.[0]?.state.waiting?.reason, { timeoutMs: 30_000 });
  t.equal(waiting, 'ContainerCreating');
  t.equal((await registry.get<Pod>(PODS, 'default', 'web'))?.status?.phase, 'Pending');

  await registry.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'default' }, data: { greeting: 'one' } });
  await waitFor('the pod read the configMap', async () => (await logOf('web')).includes('v=one'), { timeoutMs: 30_000 });
  t.equal((await registry.get<Pod>(PODS, 'default', 'web'))?.status?.phase, 'Running');

  const cm = (await registry.get(CONFIG_MAPS, 'default', 'web-config'))!;
  await registry.update(CONFIG_MAPS, { ...cm, data: { greeting: 'two' } });
  await waitFor('the edit reached the mounted file', async () => (await logOf('web')).includes('v=two'), { timeoutMs: 60_000 });
  t.notMatch(await logOf('web'), /v=\n/, 'the file never went missing during the swap');
});

t.test('secret items with modes, downwardAPI, projected with a service-account token', { skip, timeout: 120_000 }, async (t) => {
  const { registry, logOf } = await setup(t);
  await registry.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, data: { user: Buffer.from('admin').toString('base64'), pass: Buffer.from('s3cret').toString('base64') } });
  await registry.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { mode: 'fast' } });
  const script = [
    'cat /secret/login/name; echo',
    'stat -L -c "%a" /secret/login/name',
    'ls /secret/login',
    'cat /info/labels; echo',
    'echo "name=$(cat /info/name) cpu=$(cat /info/cpu) mem=$(cat /info/mem)"',
    'echo "token=$(cat /proj/token) mode=$(cat /proj/settings/mode) ns=$(cat /proj/namespace)"',
    'echo done',
    forever,
  ].join('; ');
  const input = pod(
      'files',
      script,
      [
        { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400, items: [{ key: 'user', path: 'login/name' }] } },
        {
          name: 'info',
          downwardAPI: {
            items: [
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
              { path: 'cpu', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } },
              { path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
            ],
          },
        },
        {
          name: 'proj',
          projected: {
            sources: [
              { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
              { configMap: { name: 'settings', items: [{ key: 'mode', path: 'settings/mode' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
      [{ name: 'creds', mountPath: '/secret' }, { name: 'info', mountPath: '/info' }, { name: 'proj', mountPath: '/proj' }],
  );
  (input.spec as { containers: { resources?: unknown }[] }).containers[0]!.resources = { limits: { cpu: '250m', memory: '64Mi' } };
  await registry.create(PODS, input);
  const log = await waitFor('script done', async () => {
    const text = await logOf('files');
    return text.includes('done') ? text : '';
  }, { timeoutMs: 30_000 });
  t.match(log, /^admin\n400\nname\n/, 'items pick keys and paths; defaultMode applies');
  t.notMatch(log, /pass/, 'keys not listed in items are left out');
  t.match(log, /app="web"\ntier="front"\n/, 'labels formatted as the kubelet does');
  t.match(log, /name=files cpu=250 mem=64\n/, 'resourceFieldRef in units of its divisor');
  t.match(log, /token=token-for-default-3607 mode=fast ns=default/);
});

t.test('hostPath types are checked as the kubelet does', { skip, timeout: 120_000 }, async (t) => {
  const { dir, registry, logOf, events } = await setup(t);
  const made = join(dir, 'made-dir');
  const file = join(dir, 'a-file');
  const createdFile = join(dir, 'created-file');
  writeFileSync(file, 'host-file\n');
  await registry.create(PODS, pod('hp-ok', 'cat /f; echo from-pod > /c; ls -d /d && echo ok; ' + forever, [
    { name: 'd', hostPath: { path: made, type: 'DirectoryOrCreate' } },
    { name: 'f', hostPath: { path: file, type: 'File' } },
    { name: 'c', hostPath: { path: createdFile, type: 'FileOrCreate' } },
  ], [{ name: 'd', mountPath: '/d' }, { name: 'f', mountPath: '/f' }, { name: 'c', mountPath: '/c' }]));
  await waitFor('hp-ok ran', async () => (await logOf('hp-ok')).includes('ok'), { timeoutMs: 30_000 });
  t.ok(statSync(made).isDirectory(), 'DirectoryOrCreate made the directory');
  t.equal(readFileSync(createdFile, 'utf8'), 'from-pod\n', 'FileOrCreate made the file, which the pod wrote through');
  t.match(await logOf('hp-ok'), /host-file/);

  const cases: [string, string, string][] = [
    ['hp-dir', 'Directory', `hostPath type check failed: ${join(dir, 'missing')} is not a directory`],
    ['hp-file', 'File', `hostPath type check failed: ${join(dir, 'missing')} is not a file`],
    ['hp-sock', 'Socket', `hostPath type check failed: ${join(dir, 'missing')} is not a socket file`],
  ];
  for (const [name, type] of cases) {
    await registry.create(PODS, pod(name, forever, [{ name: 'h', hostPath: { path: join(dir, 'missing'), type } }], [{ name: 'h', mountPath: '/h' }]));
  }
  for (const [name, , message] of cases) {
    const event = await waitFor(`${name} FailedMount`, async () => (await events(name)).find((e) => e.reason === 'FailedMount'), { timeoutMs: 30_000 });
    t.equal(event.message, `MountVolume.SetUp failed for volume "h" : ${message}`);
  }
  t.notOk(existsSync(join(dir, 'missing')), 'checked types create nothing');
});

t.test('persistentVolumeClaim: unbound waits with FailedMount; bound mounts the PV path; an unknown volume type is a FailedMount', { skip, timeout: 120_000 }, async (t) => {
  const { dir, registry, logOf, events } = await setup(t);
  const pvPath = join(dir, 'pv-data');
  mkdirSync(pvPath);
  await registry.create(PERSISTENT_VOLUME_CLAIMS, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  await registry.create(PODS, pod('claim', 'echo written > /data/file && echo ok; ' + forever, [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }], [{ name: 'data', mountPath: '/data' }]));
  const event = await waitFor('FailedMount', async () => (await events('claim')).find((e) => e.reason === 'FailedMount'), { timeoutMs: 30_000 });
  t.equal(event.message, 'MountVolume.SetUp failed for volume "data" : error processing PVC default/data: PVC is not bound');

  await registry.create(PERSISTENT_VOLUMES, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: pvPath } } });
  const claim = (await registry.get(PERSISTENT_VOLUME_CLAIMS, 'default', 'data'))!;
  const bound = await registry.update(PERSISTENT_VOLUME_CLAIMS, { ...claim, spec: { ...(claim.spec as object), volumeName: 'pv-1' } });
  await registry.updateStatus(PERSISTENT_VOLUME_CLAIMS, { ...bound, status: { phase: 'Bound' } });
  await waitFor('the pod wrote into the volume', async () => (await logOf('claim')).includes('ok'), { timeoutMs: 30_000 });
  t.equal(readFileSync(join(pvPath, 'file'), 'utf8'), 'written\n', 'the data is in the PersistentVolume\'s directory');

  await registry.create(PODS, pod('nfs', forever, [{ name: 'share', nfs: { server: '127.0.0.1', path: '/exports' } }], [{ name: 'share', mountPath: '/share' }]));
  const nfs = await waitFor('nfs FailedMount', async () => (await events('nfs')).find((e) => e.reason === 'FailedMount'), { timeoutMs: 30_000 });
  t.match(nfs.message, /^MountVolume\.SetUp failed for volume "share" : meshlet cannot mount volumes of type nfs/);
});
