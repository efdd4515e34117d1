// Volumes in the process runtime: each container runs in its own mount
// namespace whose root mirrors the host and carries the pod's volumes; nothing
// is created or left mounted on the host outside the run dir.

import t from 'tap';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { podDirFor, probeMountSupport, reapOrphans } from '../../../control/agent/containers/index.ts';
import type { PodVolumeSpec, VolumeFile } from '../../../control/agent/containers/index.ts';
import { collect, harness, podSpec, sh, startWatched, waitFor } from './helpers.ts';

const support = probeMountSupport();
const skip = support.mode === 'none' ? `this kernel refuses mount namespaces: ${support.reason}` : false;

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(dir));
}

async function logOf(h: ReturnType<typeof harness>, spec: { namespace: string; name: string }, container: string): Promise<string> {
  return collect(h.runtime.logs(spec.namespace, spec.name, { container }));
}

const config = (files: Record<string, string>, mode = 0o644): PodVolumeSpec => ({
  name: 'config',
  kind: 'files',
  files: Object.entries(files).map(([path, content]): VolumeFile => ({ path, content, mode })),
});

t.test('an emptyDir is shared by two containers; a files volume is laid out as the kubelet writes it', { skip }, async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec(
    [
      { name: 'writer', ...sh('echo from-writer > /shared/note; cat /etc/config/greeting; echo; while true; do sleep 1; done'), volumeMounts: [{ name: 'shared', mountPath: '/shared' }, { name: 'config', mountPath: '/etc/config' }] },
      { name: 'reader', ...sh('until [ -f /cache/note ]; do sleep 0.05; done; cat /cache/note; while true; do sleep 1; done'), volumeMounts: [{ name: 'shared', mountPath: '/cache' }] },
    ],
    { volumes: [{ name: 'shared', kind: 'emptyDir' }, config({ greeting: 'hello' })] },
  );
  const w = startWatched(h.runtime, spec);
  await waitFor('reader saw the writer\'s file', async () => (await logOf(h, spec, 'reader')).includes('from-writer'), 20_000);
  t.match(await logOf(h, spec, 'writer'), /hello/);
  t.notOk(existsSync('/shared') || existsSync('/cache'), 'the mountPaths were not created on the host');

  const dir = join(podDirFor(h.runDir, spec), 'volumes', 'files', 'config');
  const generation = readlinkSync(join(dir, '..data'));
  t.match(generation, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/, '..data points at a timestamped generation');
  t.equal(readlinkSync(join(dir, 'greeting')), '..data/greeting', 'each key is a symlink through ..data');
  t.equal(lstatSync(join(dir, generation, 'greeting')).mode & 0o777, 0o644);
  await w.pod.stop();
});

t.test('a files volume is updated in place by swapping ..data; a subPath mount keeps the old file', { skip }, async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec(
    [
      {
        name: 'app',
        ...sh('while true; do echo "dir=$(cat /etc/config/greeting) sub=$(cat /etc/app.conf)"; sleep 0.2; done'),
        volumeMounts: [{ name: 'config', mountPath: '/etc/config' }, { name: 'config', mountPath: '/etc/app.conf', subPath: 'greeting' }],
      },
    ],
    { volumes: [config({ greeting: 'v1' })] },
  );
  const w = startWatched(h.runtime, spec);
  await waitFor('first content', async () => (await logOf(h, spec, 'app')).includes('dir=v1 sub=v1'), 20_000);
  const dir = join(podDirFor(h.runDir, spec), 'volumes', 'files', 'config');
  const before = readlinkSync(join(dir, '..data'));
  t.equal(w.pod.updateVolume('config', [{ path: 'greeting', content: 'v1', mode: 0o644 }]), false, 'the same payload is not rewritten');
  t.equal(w.pod.updateVolume('config', [{ path: 'greeting', content: 'v2', mode: 0o644 }, { path: 'extra', content: 'x', mode: 0o600 }]), true);
  await waitFor('the directory mount sees v2', async () => (await logOf(h, spec, 'app')).includes('dir=v2 sub=v1'), 20_000);
  const after = readlinkSync(join(dir, '..data'));
  t.not(after, before, '..data points at a new generation');
  t.same(readdirSync(dir).filter((n) => n.startsWith('..')).sort(), ['..data', after].sort(), 'the old generation is gone, no ..data_tmp left');
  t.equal(lstatSync(join(dir, after, 'extra')).mode & 0o777, 0o600, 'a new key gets its mode');
  t.notMatch(await logOf(h, spec, 'app'), /dir=(?!v1|v2)|sub=v2/, 'readers never saw a half-written state, and the subPath file kept v1');
  await w.pod.stop();
});

t.test('readOnly refuses writes; subPath of an emptyDir; a mountPath under a host directory that lacks it', { skip }, async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec(
    [
      {
        name: 'app',
        ...sh('echo data > /work-data/file && echo rw-ok; (echo x > /ro/file && echo ro-wrote) || echo ro-refused; echo sub > /usr/share/meshlet-test-html/index.html && echo sub-ok; while true; do sleep 1; done'),
        volumeMounts: [
          { name: 'scratch', mountPath: '/work-data' },
          { name: 'scratch', mountPath: '/ro', readOnly: true },
          { name: 'scratch', mountPath: '/usr/share/meshlet-test-html', subPath: 'html' },
        ],
      },
    ],
    { volumes: [{ name: 'scratch', kind: 'emptyDir' }] },
  );
  const w = startWatched(h.runtime, spec);
  const log = await waitFor('the script ran', async () => {
    const text = await logOf(h, spec, 'app');
    return text.includes('sub-ok') ? text : '';
  }, 20_000);
  t.match(log, /rw-ok/);
  t.match(log, /ro-refused/);
  t.match(log, /Read-only file system/);
  const volume = join(podDirFor(h.runDir, spec), 'volumes', 'empty-dir', 'scratch');
  t.equal(readFileSync(join(volume, 'html', 'index.html'), 'utf8'), 'sub\n', 'the subPath directory was made inside the volume');
  t.notOk(existsSync('/usr/share/meshlet-test-html'), 'nothing was created under the host\'s /usr/share');
  await w.pod.stop();
});

t.test('the pod\'s own /etc/hosts, /etc/resolv.conf and hostname', { skip }, async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const hostsBefore = readFileSync('/etc/hosts', 'utf8');
  const spec = podSpec([{ name: 'app', ...sh('cat /etc/resolv.conf /etc/hosts; echo "name=$(cat /proc/sys/kernel/hostname)"; while true; do sleep 1; done') }], {
    sandbox: { hostname: 'web-0', hosts: '127.0.0.1\tlocalhost\n127.253.0.2\tweb-0.nginx.default.svc.cluster.local\tweb-0\n', resolvConf: 'nameserver 127.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n' },
  });
  const w = startWatched(h.runtime, spec);
  const log = await waitFor('files printed', async () => {
    const text = await logOf(h, spec, 'app');
    return text.includes('name=') ? text : '';
  }, 20_000);
  t.match(log, /nameserver 127\.96\.0\.10\nsearch default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\noptions ndots:5/);
  t.match(log, /127\.253\.0\.2\tweb-0\.nginx\.default\.svc\.cluster\.local\tweb-0/);
  t.match(log, /name=web-0\n/);
  t.equal(readFileSync('/etc/hosts', 'utf8'), hostsBefore, 'the host\'s /etc/hosts is untouched');
  await w.pod.stop();
});

t.test('medium: Memory is a tmpfs with the size limit', { skip: skip || (support.mode !== 'root' ? 'a shared tmpfs needs root' : false) }, async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'app', ...sh('grep " /mem " /proc/self/mounts; while true; do sleep 1; done'), volumeMounts: [{ name: 'mem', mountPath: '/mem' }] }], {
    volumes: [{ name: 'mem', kind: 'emptyDir', medium: 'Memory', sizeLimitBytes: 4 * 1024 * 1024 }],
  });
  const w = startWatched(h.runtime, spec);
  const line = await waitFor('mount line', async () => (await logOf(h, spec, 'app')).trim(), 20_000);
  t.match(line, /tmpfs/);
  t.match(line, /size=4096k/);
  await w.pod.stop();
  t.same(mountsUnder(h.runDir), [], 'the tmpfs is unmounted when the pod stops');
});

t.test('nothing stays mounted or on disk after the pod stops, or after a crash and reapOrphans', { skip }, async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'app', ...sh('while true; do sleep 1; done'), volumeMounts: [{ name: 'v', mountPath: '/v' }, { name: 'mem', mountPath: '/m' }] }], {
    volumes: [{ name: 'v', kind: 'emptyDir' }, { name: 'mem', kind: 'emptyDir', medium: 'Memory' }],
  });
  const w = startWatched(h.runtime, spec);
  await waitFor('running', () => w.latest().phase === 'Running', 20_000);
  const dir = podDirFor(h.runDir, spec);
  t.ok(existsSync(dir));
  await w.pod.stop();
  t.notOk(existsSync(dir), 'the pod directory is removed when the pod stops');
  t.same(mountsUnder(h.runDir), []);

  // What a crashed meshlet leaves: a pod directory and a host tmpfs; `meshlet down` reaps them.
  const crashed = harness();
  t.teardown(() => crashed.close());
  const left = podSpec([{ name: 'app', ...sh('while true; do sleep 1; done'), volumeMounts: [{ name: 'mem', mountPath: '/m' }] }], {
    volumes: [{ name: 'mem', kind: 'emptyDir', medium: 'Memory' }],
  });
  const lw = startWatched(crashed.runtime, left);
  await waitFor('running', () => lw.latest().phase === 'Running', 20_000);
  await reapOrphans(crashed.runDir);
  t.notOk(existsSync(podDirFor(crashed.runDir, left)), 'reapOrphans removed the pod directory');
  t.same(mountsUnder(crashed.runDir), [], 'and unmounted the tmpfs');
});

t.test('without mount namespaces a pod with volumes waits in ContainerCreating with FailedMount', async (t) => {
  const h = harness({ mountNamespaces: 'off' });
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'app', ...sh('sleep 100'), volumeMounts: [{ name: 'config', mountPath: '/etc/config' }] }], { volumes: [config({ a: 'b' })] });
  const w = startWatched(h.runtime, spec);
  const event = await waitFor('FailedMount', () => w.events().find((e) => e.reason === 'FailedMount'));
  t.match(event.message, /^MountVolume\.SetUp failed for volume "config" : meshlet: mount namespaces are turned off/);
  t.equal(w.latest().phase, 'Pending');
  t.equal(w.latest().containerStatuses[0]?.state.waiting?.reason, 'ContainerCreating');
  t.notOk(w.latest().containerStatuses[0]?.containerID, 'no process was started');
  await w.pod.stop();
});
