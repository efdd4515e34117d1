// Persistent storage end to end, with real kubectl against `meshlet up`: the
// default class `standard` is there; a claim and a pod using it → the claim
// Bound to a provisioned PV whose directory exists on disk; deleting the pod
// keeps PV and directory, and a new pod lands on the volume's node with the
// data still there; deleting the claim removes both (Delete), or keeps them
// Released (a Retain class).

import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, meshlet } from '../helpers/meshlet-cli.ts';
import { waitFor } from '../helpers/wait.ts';

const claimAndPod = (claim: string, pod: string, storageClass?: string) => `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: ${claim} }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 64Mi } }
${storageClass ? `  storageClassName: ${storageClass}\n` : ''}---
${podYaml(pod, claim)}`;

const podYaml = (pod: string, claim: string) => `
apiVersion: v1
kind: Pod
metadata: { name: ${pod} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "sleep 3600"]
    volumeMounts: [{ name: data, mountPath: /data }]
  volumes:
  - name: data
    persistentVolumeClaim: { claimName: ${claim} }
`;

interface VolumeJson {
  metadata: { name: string };
  spec: { hostPath: { path: string }; persistentVolumeReclaimPolicy: string; nodeAffinity: { required: { nodeSelectorTerms: { matchExpressions: { values: string[] }[] }[] } } };
  status: { phase: string };
}

t.test('kubectl: a claim is provisioned, survives its pod, and is reclaimed by its class policy', { timeout: 300_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-storage-'));
  t.teardown(async () => {
    await meshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  const up = await meshlet(home, ['up', '--detach', '--nodes', '2']);
  t.equal(up.code, 0, `up: ${up.stderr}`);
  const k = async (...args: string[]) => {
    const res = await kubectl(home, args);
    t.equal(res.code, 0, `kubectl ${args.join(' ')}: ${res.stderr}`);
    return res.stdout;
  };
  const apply = async (yaml: string) => {
    const file = join(home, `manifest-${Date.now()}.yaml`);
    writeFileSync(file, yaml);
    return k('apply', '-f', file);
  };
  const jsonpath = async (ref: string, path: string) => (await kubectl(home, ['get', ref, '-o', `jsonpath={${path}}`])).stdout;
  const gone = async (ref: string) => (await kubectl(home, ['get', ref])).code !== 0;

  const resources = await k('api-resources');
  t.match(resources, /persistentvolumeclaims\s+pvc\s+v1\s+true\s+PersistentVolumeClaim/);
  t.match(resources, /persistentvolumes\s+pv\s+v1\s+false\s+PersistentVolume/);
  t.match(resources, /storageclasses\s+sc\s+storage\.k8s\.io\/v1\s+false\s+StorageClass/);
  const classes = await k('get', 'storageclass');
  t.match(classes, /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE\n/);
  t.match(classes, /standard \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+/);

  await apply(claimAndPod('data', 'writer'));
  await waitFor('claim Bound', async () => (await jsonpath('pvc/data', '.status.phase')) === 'Bound', { timeoutMs: 90_000, intervalMs: 500 });
  const pvName = await jsonpath('pvc/data', '.spec.volumeName');
  t.match(pvName, /^pvc-[0-9a-f-]{36}$/);
  const claims = await k('get', 'pvc');
  t.match(claims, /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\n/);
  t.match(claims, new RegExp(`data\\s+Bound\\s+${pvName}\\s+64Mi\\s+RWO\\s+standard\\s+<unset>\\s+`));
  const pvs = await k('get', 'pv');
  t.match(pvs, /^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE\n/);
  t.match(pvs, new RegExp(`${pvName}\\s+64Mi\\s+RWO\\s+Delete\\s+Bound\\s+default/data\\s+standard\\s+<unset>\\s+`));

  const pv = JSON.parse(await k('get', 'pv', pvName, '-o', 'json')) as VolumeJson;
  const dir = pv.spec.hostPath.path;
  const volumeNode = pv.spec.nodeAffinity.required.nodeSelectorTerms[0]!.matchExpressions[0]!.values[0]!;
  t.equal(await jsonpath('pod/writer', '.spec.nodeName'), volumeNode, 'the volume was made on the pod’s node');
  t.ok(dir.startsWith(join(home, 'local-path-provisioner', volumeNode)), `the directory lies under the home: ${dir}`);
  t.ok(existsSync(dir), 'and exists on disk');
  // The bind-mount into the container is the runtime's; stand in for the pod's write.
  writeFileSync(join(dir, 'state.txt'), 'written by web-0');
  t.equal(await jsonpath('volumeattachments', '.items[0].spec.nodeName'), volumeNode, 'attached to that node');

  await k('delete', 'pod', 'writer', '--wait=true', '--timeout=60s');
  t.equal(await jsonpath('pvc/data', '.status.phase'), 'Bound', 'the claim outlives its pod');
  t.equal(await jsonpath(`pv/${pvName}`, '.status.phase'), 'Bound');
  t.equal(readFileSync(join(dir, 'state.txt'), 'utf8'), 'written by web-0', 'the data too');

  await apply(podYaml('reader', 'data'));
  await waitFor('reader scheduled', async () => (await jsonpath('pod/reader', '.spec.nodeName')) !== '', { timeoutMs: 60_000, intervalMs: 500 });
  t.equal(await jsonpath('pod/reader', '.spec.nodeName'), volumeNode, 'a new pod goes where the volume is');
  t.equal(readFileSync(join(dir, 'state.txt'), 'utf8'), 'written by web-0');
  await k('delete', 'pod', 'reader', '--wait=true', '--timeout=60s');

  await k('delete', 'pvc', 'data', '--wait=true', '--timeout=60s');
  await waitFor('Delete reclaimed the volume', async () => (await gone(`pv/${pvName}`)) && !existsSync(dir), { timeoutMs: 60_000, intervalMs: 500 });

  // A Retain class keeps the volume Released with its data.
  await apply(`
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: keep }
provisioner: rancher.io/local-path
reclaimPolicy: Retain
volumeBindingMode: WaitForFirstConsumer
`);
  await apply(claimAndPod('precious', 'keeper', 'keep'));
  await waitFor('precious Bound', async () => (await jsonpath('pvc/precious', '.status.phase')) === 'Bound', { timeoutMs: 90_000, intervalMs: 500 });
  const kept = await jsonpath('pvc/precious', '.spec.volumeName');
  const keptDir = await jsonpath(`pv/${kept}`, '.spec.hostPath.path');
  writeFileSync(join(keptDir, 'state.txt'), 'keep me');
  await k('delete', 'pod', 'keeper', '--wait=true', '--timeout=60s');
  await k('delete', 'pvc', 'precious', '--wait=true', '--timeout=60s');
  await waitFor('Released', async () => (await jsonpath(`pv/${kept}`, '.status.phase')) === 'Released', { timeoutMs: 60_000, intervalMs: 500 });
  t.match(await k('get', 'pv', kept), new RegExp(`${kept}\\s+64Mi\\s+RWO\\s+Retain\\s+Released\\s+default/precious\\s+keep\\s+`));
  t.equal(readFileSync(join(keptDir, 'state.txt'), 'utf8'), 'keep me', 'Retain keeps the data');

  // ReadWriteOnce is one node: a static volume any node could use, a pod on node-1, then one on node-2.
  await apply(`
apiVersion: v1
kind: PersistentVolume
metadata: { name: shared-disk }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  hostPath: { path: ${join(home, 'shared-disk')} }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: shared }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Gi } }
  storageClassName: ""
`);
  await waitFor('shared Bound', async () => (await jsonpath('pvc/shared', '.status.phase')) === 'Bound', { timeoutMs: 60_000, intervalMs: 500 });
  const pinned = (pod: string, node: string) => podYaml(pod, 'shared').replace('spec:\n', `spec:\n  nodeName: ${node}\n`);
  await apply(pinned('holder', 'node-1'));
  await waitFor('holder Running', async () => (await jsonpath('pod/holder', '.status.phase')) === 'Running', { timeoutMs: 60_000, intervalMs: 500 });
  await apply(pinned('waiter', 'node-2'));
  const multiAttach = 'Multi-Attach error for volume "shared-disk" Volume is already used by pod(s) holder';
  await waitFor('Multi-Attach event', async () => (await k('get', 'events', '--field-selector', 'involvedObject.name=waiter,reason=FailedAttachVolume', '-o', 'jsonpath={.items[*].message}')).includes(multiAttach), { timeoutMs: 60_000, intervalMs: 500 });
  t.match(await k('get', 'pod', 'waiter', '--no-headers'), /waiter\s+0\/1\s+ContainerCreating\s+/, 'the second pod waits in ContainerCreating');
  await k('delete', 'pod', 'holder', '--wait=true', '--timeout=60s');
  await waitFor('waiter Running once holder is gone', async () => (await jsonpath('pod/waiter', '.status.phase')) === 'Running', { timeoutMs: 60_000, intervalMs: 500 });
});
