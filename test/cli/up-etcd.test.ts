// `meshlet up --store etcd://…` keeps the cluster's state in a real etcd:
// an object applied with kubectl sits under its /registry/… key, and its
// resourceVersion is that key's mod_revision as etcdctl reports it.

import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { etcdctlGet, startEtcd } from '../store/etcd-server.ts';

const BIN = fileURLToPath(new URL('../../control/cli/bin.js', import.meta.url));

function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

t.test('up --store etcd://… stores what kubectl applies in etcd, resourceVersion = mod_revision', async (t) => {
  const etcd = await startEtcd();
  const home = mkdtempSync(join(tmpdir(), 'meshlet-etcd-up-'));
  const kubeconfig = join(home, 'kubeconfig');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
  const env = { MESHLET_HOME: home, KUBECONFIG: kubeconfig };
  t.teardown(async () => {
    await run(process.execPath, [BIN, 'down'], env);
    await etcd.close();
    rmSync(home, { recursive: true, force: true });
  });

  const up = await run(process.execPath, [BIN, 'up', '--detach', '--nodes', '1', '--store', etcd.url], env);
  t.equal(up.code, 0, `up succeeded: ${up.stderr}`);
  const write = await run(process.execPath, [BIN, 'kubeconfig', '--write'], env);
  t.equal(write.code, 0, write.stderr);

  const manifest = join(home, 'cm.yaml');
  writeFileSync(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: in-etcd, namespace: default }\ndata: { greeting: hello }\n');
  const apply = await run('kubectl', ['apply', '-f', manifest], env);
  t.equal(apply.code, 0, `kubectl apply: ${apply.stderr}`);
  const got = await run('kubectl', ['get', 'configmap', 'in-etcd', '-n', 'default', '-o', 'json'], env);
  t.equal(got.code, 0, got.stderr);
  const cm = JSON.parse(got.stdout) as { metadata: { resourceVersion: string } };

  const [stored] = etcdctlGet(etcd.endpoints, '/registry/configmaps/default/in-etcd');
  t.ok(stored, 'etcdctl finds the ConfigMap under /registry/configmaps/default/in-etcd');
  t.same((JSON.parse(stored?.value ?? '{}') as { data?: unknown }).data, { greeting: 'hello' }, 'its value is the object');
  t.equal(cm.metadata.resourceVersion, String(stored?.mod_revision), "resourceVersion is etcd's mod_revision");
  t.ok(etcdctlGet(etcd.endpoints, '/registry/', true).some((kv) => kv.key.startsWith('/registry/pods/') || kv.key.startsWith('/registry/nodes/')), 'the rest of the cluster state is in etcd too');
});
