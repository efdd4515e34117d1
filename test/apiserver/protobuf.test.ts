// kubectl's typed clients (`kubectl create <kind>`) send protobuf bodies.
// Each generator's object, created through the API server, must equal what
// the same command prints with --dry-run=client -o json. Plus the decoder's
// refusals: a missing envelope (400) and unknown fields (415, never dropped).

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { startApiServer, kubeconfigFor } from '../../control/apiserver/index.ts';
import { decodeProtobufObject } from '../../control/apiserver/protobuf/index.ts';
import type { ApiError } from '../../control/api/index.ts';
import { findKubectl, KUBECTL_MISSING, kubectlFor } from './kubectl-runner.ts';

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function bytesField(no: number, payload: Uint8Array | string): number[] {
  const b = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return [...varint((no << 3) | 2), ...varint(b.length), ...b];
}

function envelope(apiVersion: string, kind: string, raw: number[]): Uint8Array {
  const typeMeta = [...bytesField(1, apiVersion), ...bytesField(2, kind)];
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...bytesField(1, Uint8Array.from(typeMeta)), ...bytesField(2, Uint8Array.from(raw))]);
}

t.test('decoder: envelope, maps, bytes, refusals', async (t) => {
  const meta = bytesField(1, 'cfg');
  const entry = Uint8Array.from([...bytesField(1, 'k'), ...bytesField(2, 'v')]);
  const cm = decodeProtobufObject(envelope('v1', 'ConfigMap', [...bytesField(1, Uint8Array.from(meta)), ...bytesField(2, entry)]));
  t.same(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { k: 'v' } });
  const secret = decodeProtobufObject(envelope('v1', 'Secret', [...bytesField(2, entry), ...bytesField(3, 'Opaque')]));
  t.same(secret, { apiVersion: 'v1', kind: 'Secret', data: { k: Buffer.from('v').toString('base64') }, type: 'Opaque' });

  const refusals: [Uint8Array, string, RegExp][] = [
    [Uint8Array.from([1, 2, 3, 4, 5]), 'BadRequest', /envelope/],
    [envelope('v1', 'ConfigMap', [...varint((99 << 3) | 0), 1]), 'UnsupportedMediaType', /field 99 of ConfigMap/],
    [envelope('v1', 'Pod', []), 'UnsupportedMediaType', /v1\/Pod are not supported/],
    [Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x20, 0x01]), 'BadRequest', /overruns/],
  ];
  for (const [body, reason, message] of refusals) {
    try {
      decodeProtobufObject(body);
      t.fail(`expected ${reason}`);
    } catch (err) {
      t.equal((err as ApiError).reason, reason, String(message));
      t.match((err as Error).message, message);
    }
  }
});

if (!findKubectl()) {
  t.fail(KUBECTL_MISSING);
} else {
  t.test('kubectl create generators over protobuf', { timeout: 120_000 }, async (t) => {
    const registry = createRegistry({ store: new MemoryStore() });
    await registry.ensureNamespaces();
    const server = await startApiServer({ client: registry, token: 'pb-token' });
    const dir = mkdtempSync(join(tmpdir(), 'meshlet-protobuf-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigFor({ server: server.url, token: 'pb-token', caData: server.caData }));
    const kubectl = kubectlFor(kubeconfig);
    t.teardown(async () => {
      kubectl.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const generators: [string, string[]][] = [
      ['namespace/team-a', ['create', 'namespace', 'team-a']],
      ['configmap/settings', ['create', 'configmap', 'settings', '--from-literal=a=1', '--from-literal=empty=']],
      ['secret/creds', ['create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--type=Opaque']],
      ['secret/registry', ['create', 'secret', 'docker-registry', 'registry', '--docker-username=u', '--docker-password=p', '--docker-server=r.example']],
      ['serviceaccount/robot', ['create', 'serviceaccount', 'robot']],
      ['deployment/web', ['create', 'deployment', 'web', '--image=nginx:1.25', '--port=80', '--replicas=3']],
      ['deployment/idle', ['create', 'deployment', 'idle', '--image=nginx', '--replicas=0']],
      ['job/once', ['create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi']],
      ['service/web', ['create', 'service', 'clusterip', 'web', '--tcp=80:8080']],
      ['service/ext', ['create', 'service', 'externalname', 'ext', '--external-name=example.com']],
      ['ingress/site', ['create', 'ingress', 'site', '--class=default', '--rule=foo.example/bar=svc1:8080,tls=site-cert', '--rule=foo.example/*=svc2:http', '--default-backend=fallback:80']],
    ];
    for (const [ref, args] of generators) {
      const printed = await kubectl.run([...args.slice(0, 2), '--dry-run=client', '-o', 'json', ...args.slice(2)]);
      t.equal(printed.code, 0, printed.stderr);
      const expected = JSON.parse(printed.stdout) as { metadata: Record<string, unknown>; spec?: { template?: { metadata?: Record<string, unknown> } } };
      delete expected.metadata['creationTimestamp'];
      if (expected.spec?.template?.metadata) delete expected.spec.template.metadata['creationTimestamp'];
      const created = await kubectl.run(args);
      t.equal(created.code, 0, `${ref}: ${created.stderr}`);
      const stored = await kubectl.run(['get', ref, '-o', 'json']);
      t.equal(stored.code, 0, stored.stderr);
      const live = JSON.parse(stored.stdout) as { spec?: { template?: { metadata?: Record<string, unknown> } } };
      t.notOk(live.spec?.template?.metadata?.['creationTimestamp'], `${ref}: a zero time stays null`);
      t.match(live, expected, `${ref} equals its --dry-run=client form`);
    }
  });
}
