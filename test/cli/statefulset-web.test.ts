// The Kubernetes StatefulSet tutorial ("web": nginx behind the headless
// Service nginx, a www claim per pod), applied UNCHANGED with real kubectl to
// a real `meshlet up`: pods start in order, per-pod DNS answers through the
// cluster DNS, claims www-web-N exist and outlive their pods, rollout status
// and the scale subresource work. The www claims are provisioned by the
// built-in local-path provisioner (the default class `standard`) and mounted
// at nginx's root, so data written to web-0's volume is served again by the
// web-0 made after `kubectl delete pod web-0`. meshlet serves no `kubectl
// exec`, so the test writes index.html through the volume's directory on the
// host (the PV's hostPath, found via the claim), which is where the pod's
// bind mount points.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { httpGet } from '../helpers/http.ts';
import { kubectl, meshlet } from '../helpers/meshlet-cli.ts';
import { REFERENCE_ROOT } from '../helpers/reference.ts';
import { waitFor } from '../helpers/wait.ts';
import { digShort } from '../overlay/helpers/dig.ts';

const MANIFEST = join(REFERENCE_ROOT, 'kubernetes-examples', 'statefulset-web.yaml');

interface PodJson {
  metadata: { name: string; uid: string; creationTimestamp: string; labels?: Record<string, string> };
  spec: { hostname?: string; subdomain?: string; volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

interface ClaimJson {
  metadata: { name: string; uid: string; labels?: Record<string, string> };
  spec?: { accessModes?: string[]; resources?: { requests?: Record<string, string> }; volumeName?: string };
  status?: { phase?: string };
}

const home = mkdtempSync(join(tmpdir(), 'meshlet-sts-'));
t.teardown(async () => {
  await meshlet(home, ['down']);
  rmSync(home, { recursive: true, force: true });
});

async function kubectlJson<T>(args: string[]): Promise<T> {
  const res = await kubectl(home, [...args, '-o', 'json']);
  if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}

const readyAt = (pod: PodJson) => pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime;

async function runningAndReady(name: string): Promise<PodJson> {
  return waitFor(`${name} Running and Ready`, async () => {
    const pod = await kubectlJson<PodJson>(['get', 'pod', name]);
    if (pod.status?.phase !== 'Running' || !readyAt(pod) || !pod.status.podIP) throw new Error(`${name}: ${JSON.stringify(pod.status)}`);
    return pod;
  }, { timeoutMs: 120_000, intervalMs: 500 });
}

async function podNames(): Promise<string[]> {
  return (await kubectlJson<{ items: PodJson[] }>(['get', 'pods', '-l', 'app=nginx'])).items.map((p) => p.metadata.name).sort();
}

const up = await meshlet(home, ['up', '--detach', '--nodes', '1']);
if (up.code !== 0) throw new Error(`meshlet up failed: ${up.stderr}`);
const dns = (JSON.parse(readFileSync(join(home, 'cluster.json'), 'utf8')) as { dns: { host: string; port: number } }).dns;

await t.test('the tutorial applies unchanged and its pods start in order', async (t) => {
  const applied = await kubectl(home, ['apply', '-f', MANIFEST]);
  t.equal(applied.code, 0, `kubectl apply: ${applied.stderr}`);
  t.match(applied.stdout, /statefulset\.apps\/web created/);
  const web0 = await runningAndReady('web-0');
  const web1 = await runningAndReady('web-1');
  t.ok(
    Date.parse(web1.metadata.creationTimestamp) >= Date.parse(readyAt(web0)!),
    `web-1 was created (${web1.metadata.creationTimestamp}) only after web-0 was Ready (${readyAt(web0)})`,
  );
  t.equal(web0.spec.hostname, 'web-0');
  t.equal(web0.spec.subdomain, 'nginx');
  t.match(web0.metadata.labels, { 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0' });
  const events = await kubectl(home, ['get', 'events', '--field-selector', 'involvedObject.kind=StatefulSet,involvedObject.name=web', '--sort-by=.metadata.creationTimestamp']);
  const creates = events.stdout.split('\n').filter((l) => /create Pod web-\d in StatefulSet web successful/.test(l)).map((l) => /web-\d/.exec(l.slice(l.indexOf('create Pod')))![0]);
  t.same(creates, ['web-0', 'web-1'], 'the controller created web-0, then web-1');

  const sts = await kubectl(home, ['get', 'sts', 'web']);
  t.match(sts.stdout, /^NAME\s+READY\s+AGE\n^web\s+2\/2\s+\S+$/m, 'kubectl get sts prints NAME READY AGE');
  const rollout = await kubectl(home, ['rollout', 'status', 'sts/web', '--timeout=60s']);
  t.equal(rollout.code, 0, `rollout status: ${rollout.stderr}`);
  t.match(rollout.stdout, /roll out complete: 2 new pods have been updated/);
});

await t.test('per-pod DNS through the headless Service', async (t) => {
  const pods = await Promise.all(['web-0', 'web-1'].map((n) => kubectlJson<PodJson>(['get', 'pod', n])));
  const [ip0, ip1] = pods.map((p) => p.status!.podIP!);
  t.same(await digShort(dns, ['web-0.nginx.default.svc.cluster.local']), [ip0], 'web-0.nginx answers web-0\'s IP');
  t.same(await digShort(dns, ['web-1.nginx.default.svc.cluster.local']), [ip1]);
  t.same((await digShort(dns, ['nginx.default.svc.cluster.local'])).sort(), [ip0, ip1].sort(), 'the headless name lists every ready pod');
  t.same(
    (await digShort(dns, ['_web._tcp.nginx.default.svc.cluster.local', 'SRV'])).sort(),
    ['0 100 80 web-0.nginx.default.svc.cluster.local.', '0 100 80 web-1.nginx.default.svc.cluster.local.'],
    'SRV for the named port points at each pod\'s name',
  );
  const reply = await httpGet(`http://${ip0}:80/`);
  t.ok(reply.status === 200 || reply.status === 404, `nginx-slim's stand-in answers on :80 (${reply.status})`);
});

await t.test('a claim per pod, mounted by it, kept when the pod goes', async (t) => {
  const claims = await Promise.all(['www-web-0', 'www-web-1'].map((n) => kubectlJson<ClaimJson>(['get', 'pvc', n])));
  for (const claim of claims) {
    t.match(claim, { metadata: { labels: { app: 'nginx' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }, claim.metadata.name);
  }
  t.same(claims.map((c) => c.status?.phase), ['Bound', 'Bound'], 'each claim is bound to a volume the local-path provisioner made');
  const web0 = await kubectlJson<PodJson>(['get', 'pod', 'web-0']);
  t.same(web0.spec.volumes?.find((v) => v.name === 'www')?.persistentVolumeClaim, { claimName: 'www-web-0' });

  const deleted = await kubectl(home, ['delete', 'pod', 'web-0', '--wait=false']);
  t.equal(deleted.code, 0, deleted.stderr);
  const again = await waitFor('a new web-0', async () => {
    const pod = await runningAndReady('web-0');
    return pod.metadata.uid !== web0.metadata.uid ? pod : undefined;
  }, { timeoutMs: 120_000, intervalMs: 500 });
  t.same(again.spec.volumes?.find((v) => v.name === 'www')?.persistentVolumeClaim, { claimName: 'www-web-0' }, 'the new web-0 mounts the same claim');
  const claim = await kubectlJson<ClaimJson>(['get', 'pvc', 'www-web-0']);
  t.equal(claim.metadata.uid, claims[0]!.metadata.uid, 'the claim is the one made for the first web-0');
});

await t.test('kubectl scale goes through the scale subresource; scaling down removes the highest ordinal and keeps claims', async (t) => {
  const up3 = await kubectl(home, ['scale', 'sts', 'web', '--replicas=3']);
  t.equal(up3.code, 0, up3.stderr);
  await runningAndReady('web-2');
  const down = await kubectl(home, ['scale', 'sts', 'web', '--replicas=1']);
  t.equal(down.code, 0, down.stderr);
  await waitFor('web-1 and web-2 gone', async () => ((await podNames()).join() === 'web-0' ? true : undefined), { timeoutMs: 120_000, intervalMs: 500 });
  const claims = (await kubectlJson<{ items: ClaimJson[] }>(['get', 'pvc'])).items.map((c) => c.metadata.name).sort();
  t.same(claims, ['www-web-0', 'www-web-1', 'www-web-2'], 'claims outlive the pods scaled away');
  const raw = await kubectl(home, ['get', '--raw', '/apis/apps/v1/namespaces/default/statefulsets/web/scale']);
  t.match(JSON.parse(raw.stdout), { kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 1 }, status: { replicas: 1, selector: 'app=nginx' } }, 'the Scale view');
});

await t.test('kubectl set image rolls web-0 over; rollout status waits for it; rollout undo goes back', async (t) => {
  const before = await runningAndReady('web-0');
  const set = await kubectl(home, ['set', 'image', 'sts/web', 'nginx=registry.k8s.io/nginx-slim:0.8']);
  t.equal(set.code, 0, set.stderr);
  const rollout = await kubectl(home, ['rollout', 'status', 'sts/web', '--timeout=120s'], 150_000);
  t.equal(rollout.code, 0, `rollout status: ${rollout.stderr}`);
  t.match(rollout.stdout, /roll out complete: 1 new pods have been updated/);
  const after = await runningAndReady('web-0');
  t.not(after.metadata.uid, before.metadata.uid, 'web-0 was replaced');
  t.equal((await kubectlJson<{ spec: { containers: { image: string }[] } }>(['get', 'pod', 'web-0'])).spec.containers[0]?.image, 'registry.k8s.io/nginx-slim:0.8');
  const history = await kubectl(home, ['rollout', 'history', 'sts/web']);
  t.match(history.stdout, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/, 'two ControllerRevisions');
  const undo = await kubectl(home, ['rollout', 'undo', 'sts/web']);
  t.equal(undo.code, 0, undo.stderr);
  await kubectl(home, ['rollout', 'status', 'sts/web', '--timeout=120s'], 150_000);
  await waitFor('web-0 back on 0.7', async () => {
    const pod = await runningAndReady('web-0');
    return pod.metadata.uid !== after.metadata.uid && (await kubectlJson<{ spec: { containers: { image: string }[] } }>(['get', 'pod', 'web-0'])).spec.containers[0]?.image === 'registry.k8s.io/nginx-slim:0.7';
  }, { timeoutMs: 120_000, intervalMs: 500 });
});

await t.test('data written to web-0 is still there after kubectl delete pod web-0', async (t) => {
  const marker = `web-0 ${randomBytes(6).toString('hex')}`;
  const claim = await kubectlJson<ClaimJson>(['get', 'pvc', 'www-web-0']);
  t.equal(claim.status?.phase, 'Bound');
  const pv = await kubectlJson<{ spec: { hostPath?: { path: string }; claimRef?: { name: string } } }>(['get', 'pv', claim.spec!.volumeName!]);
  t.equal(pv.spec.claimRef?.name, 'www-web-0', 'the volume is www-web-0\'s');
  // No kubectl exec here: write into the volume's directory, which web-0 has mounted at nginx's root.
  writeFileSync(join(pv.spec.hostPath!.path, 'index.html'), `${marker}\n`);
  const before = await runningAndReady('web-0');
  t.equal((await httpGet(`http://${before.status!.podIP!}:80/`)).body.trim(), marker, 'web-0 serves what was written to its volume');
  const deleted = await kubectl(home, ['delete', 'pod', 'web-0']);
  t.equal(deleted.code, 0, deleted.stderr);
  const after = await waitFor('web-0 recreated', async () => {
    const pod = await runningAndReady('web-0');
    return pod.metadata.uid !== before.metadata.uid ? pod : undefined;
  }, { timeoutMs: 120_000, intervalMs: 500 });
  t.equal((await httpGet(`http://${after.status!.podIP!}:80/`)).body.trim(), marker, 'and still does after the pod was deleted and made again');
});
