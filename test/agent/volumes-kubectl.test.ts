// Volumes end to end, with real kubectl against a real `meshlet up`: a
// configMap, a secret and an emptyDir mounted and shared by two containers; an
// edit of the configMap reaching the file within 60 s; a missing configMap
// holding its pod in ContainerCreating with FailedMount until it is created;
// the service-account volume letting @kubernetes/client-node's
// loadFromCluster() list pods; nothing left mounted or on disk after the pods
// are deleted and after `meshlet down`.

import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectl, meshlet } from '../helpers/meshlet-cli.ts';
import { waitFor } from '../helpers/wait.ts';
import { probeMountSupport } from '../../control/agent/containers/index.ts';

const support = probeMountSupport();
const skip = support.mode === 'none' ? `this kernel refuses mount namespaces: ${support.reason}` : false;
const IN_CLUSTER_PROGRAM = fileURLToPath(new URL('./fixtures/list-pods-in-cluster.ts', import.meta.url));

const MANIFEST = `
apiVersion: v1
kind: ConfigMap
metadata: { name: app-config }
data: { greeting: hello }
---
apiVersion: v1
kind: Secret
metadata: { name: creds }
data: { password: ${Buffer.from('s3cret').toString('base64')} }
---
apiVersion: v1
kind: Pod
metadata: { name: shared }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: writer
    image: busybox
    command: ["/bin/sh", "-c", "echo \\"pw=$(cat /etc/creds/password)\\" > /cache/note; while true; do echo \\"greeting=$(cat /etc/config/greeting)\\"; sleep 0.5; done"]
    volumeMounts:
    - { name: cache, mountPath: /cache }
    - { name: config, mountPath: /etc/config }
    - { name: creds, mountPath: /etc/creds, readOnly: true }
  - name: reader
    image: busybox
    command: ["/bin/sh", "-c", "until [ -f /data/note ]; do sleep 0.1; done; cat /data/note; (echo x > /etc/config/x && echo wrote) || echo config-is-read-only; while true; do sleep 1; done"]
    volumeMounts:
    - { name: cache, mountPath: /data }
    - { name: config, mountPath: /etc/config }
  volumes:
  - { name: cache, emptyDir: {} }
  - { name: config, configMap: { name: app-config } }
  - { name: creds, secret: { secretName: creds } }
---
apiVersion: v1
kind: Pod
metadata: { name: in-cluster }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: meshlet-test/in-cluster
`;

const LATE = `
apiVersion: v1
kind: Pod
metadata: { name: late }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: ["/bin/sh", "-c", "cat /etc/late/key; echo; while true; do sleep 1; done"]
    volumeMounts: [{ name: late, mountPath: /etc/late }]
  volumes: [{ name: late, configMap: { name: late-config } }]
`;

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p.startsWith(dir));
}

t.test('configMap, secret, emptyDir, FailedMount, in-cluster config, cleanup — with kubectl', { skip, timeout: 300_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-volumes-'));
  writeFileSync(join(home, 'images.yaml'), `images:\n  meshlet-test/in-cluster:\n    program: ${IN_CLUSTER_PROGRAM}\n`);
  writeFileSync(join(home, 'app.yaml'), MANIFEST);
  writeFileSync(join(home, 'late.yaml'), LATE);
  t.teardown(async () => {
    await meshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  const up = await meshlet(home, ['up', '--detach', '--nodes', '1', '-f', join(home, 'app.yaml')]);
  t.equal(up.code, 0, `up: ${up.stderr}`);
  const logs = async (pod: string, container: string): Promise<string> => (await kubectl(home, ['logs', pod, '-c', container])).stdout;

  await waitFor('reader saw the secret through the shared emptyDir', async () => (await logs('shared', 'reader')).includes('pw=s3cret'), { timeoutMs: 90_000, intervalMs: 500 });
  t.match(await logs('shared', 'reader'), /config-is-read-only/, 'a configMap volume is read-only');
  t.match(await logs('shared', 'writer'), /greeting=hello/);

  const edited = Date.now();
  const patch = await kubectl(home, ['patch', 'configmap', 'app-config', '--type', 'merge', '-p', '{"data":{"greeting":"bonjour"}}']);
  t.equal(patch.code, 0, patch.stderr);
  await waitFor('the edit reached the mounted file', async () => (await logs('shared', 'writer')).includes('greeting=bonjour'), { timeoutMs: 60_000, intervalMs: 500 });
  t.ok(Date.now() - edited < 60_000, 'within 60 s');

  const inCluster = await waitFor('in-cluster client listed pods', async () => {
    const text = await logs('in-cluster', 'app');
    return /listed \d+ pods in default/.test(text) ? text : '';
  }, { timeoutMs: 90_000, intervalMs: 500 });
  t.match(inCluster, /listed \d+ pods in default: .*in-cluster.* via https:\/\/127\.\d+\.0\.1:443/, 'loadFromCluster reached the API server through the kubernetes Service');
  const pod = JSON.parse((await kubectl(home, ['get', 'pod', 'in-cluster', '-o', 'json'])).stdout) as { spec: { serviceAccountName: string; volumes: { name: string }[]; containers: { volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[] } };
  t.equal(pod.spec.serviceAccountName, 'default');
  const access = pod.spec.volumes.find((v) => /^kube-api-access-[a-z0-9]{5}$/.test(v.name));
  t.ok(access, 'admission added the kube-api-access volume');
  t.same(pod.spec.containers[0]!.volumeMounts, [{ name: access!.name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }]);

  const late = await kubectl(home, ['apply', '-f', join(home, 'late.yaml')]);
  t.equal(late.code, 0, late.stderr);
  const event = await waitFor('FailedMount event', async () => {
    const out = (await kubectl(home, ['get', 'events', '--field-selector', 'involvedObject.name=late,reason=FailedMount', '-o', 'json'])).stdout;
    return (JSON.parse(out || '{"items":[]}') as { items: { message: string; type: string }[] }).items[0];
  }, { timeoutMs: 60_000, intervalMs: 500 });
  t.equal(event.type, 'Warning');
  t.equal(event.message, 'MountVolume.SetUp failed for volume "late" : configmap "late-config" not found');
  t.match((await kubectl(home, ['get', 'pod', 'late', '--no-headers'])).stdout, /ContainerCreating/);
  t.equal((await kubectl(home, ['create', 'configmap', 'late-config', '--from-literal=key=arrived'])).code, 0);
  await waitFor('late started once its configMap exists', async () => (await logs('late', 'app')).includes('arrived'), { timeoutMs: 60_000, intervalMs: 500 });

  const podsDir = join(home, 'run', 'pods');
  t.ok(readdirSync(podsDir).some((n) => n.startsWith('default_shared_')), 'the pod has its directory under the run dir');
  t.equal((await kubectl(home, ['delete', 'pod', 'shared', '--wait=true'], 120_000)).code, 0);
  await waitFor('shared\'s directory is gone', () => !readdirSync(podsDir).some((n) => n.startsWith('default_shared_')), { timeoutMs: 30_000 });

  const down = await meshlet(home, ['down']);
  t.equal(down.code, 0, down.stderr);
  t.notOk(existsSync(podsDir) && readdirSync(podsDir).length > 0, 'meshlet down left no pod directory');
  t.same(mountsUnder(home), [], 'nothing of the cluster is mounted');
});
