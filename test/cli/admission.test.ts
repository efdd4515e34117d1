// Quota, LimitRange and IngressClass admission as real kubectl meets them on a
// real `meshlet up`: `kubectl create quota` and `create pdb` (protobuf bodies),
// the quota's REQUEST / LIMIT columns, Kubernetes' `exceeded quota` and
// LimitRanger refusals as kubectl prints them, the LimitRanger annotation, and
// the default `istio` IngressClass given to a class-less Ingress.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, meshlet } from '../helpers/meshlet-cli.ts';
import { waitFor } from '../helpers/wait.ts';

const pod = (name: string, resources: string) => `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: team }
spec:
  containers:
  - name: app
    image: busybox
    command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    ${resources}
`;

t.test('kubectl meets quota, limits and the default IngressClass', { timeout: 240_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-admission-'));
  t.teardown(async () => {
    await meshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  const up = await meshlet(home, ['up', '--detach', '--nodes', '1']);
  t.equal(up.code, 0, `up: ${up.stderr}`);
  const ok = async (args: string[]) => {
    const r = await kubectl(home, args);
    t.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const apply = (name: string, yaml: string) => {
    const file = join(home, `${name}.yaml`);
    writeFileSync(file, yaml);
    return kubectl(home, ['apply', '-f', file]);
  };

  await ok(['create', 'namespace', 'team']);
  await ok(['-n', 'team', 'create', 'quota', 'compute', '--hard=limits.memory=2Gi,requests.cpu=1,pods=3']);
  await waitFor('the quota controller to publish status.hard', async () => (await kubectl(home, ['-n', 'team', 'get', 'quota', 'compute', '-o', 'jsonpath={.status.hard.pods}'])).stdout === '3', { timeoutMs: 30_000, intervalMs: 250 });
  const limits = join(home, 'limits.yaml');
  writeFileSync(limits, 'apiVersion: v1\nkind: LimitRange\nmetadata: { name: limits, namespace: team }\nspec:\n  limits:\n  - type: Container\n    max: { cpu: "1" }\n    default: { cpu: 250m, memory: 1Gi }\n    defaultRequest: { cpu: 250m, memory: 512Mi }\n');
  await ok(['apply', '-f', limits]);

  const first = await apply('first', pod('first', ''));
  t.equal(first.code, 0, first.stderr);
  const annotation = await ok(['-n', 'team', 'get', 'pod', 'first', '-o', 'jsonpath={.metadata.annotations.kubernetes\\.io/limit-ranger}']);
  t.equal(annotation, 'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app');
  t.match(await ok(['-n', 'team', 'get', 'quota']), /NAME\s+AGE\s+REQUEST\s+LIMIT\ncompute\s+\S+\s+pods: 1\/3, requests\.cpu: 250m\/1\s+limits\.memory: 1Gi\/2Gi/);

  const big = await apply('big', pod('big', 'resources: { limits: { cpu: "2", memory: 512Mi } }'));
  t.not(big.code, 0);
  t.match(big.stderr, /pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2/);
  const greedy = await apply('greedy', pod('greedy', 'resources: { limits: { cpu: 500m, memory: 2Gi } }'));
  t.not(greedy.code, 0);
  t.match(greedy.stderr, /pods "greedy" is forbidden: exceeded quota: compute, requested: limits\.memory=2Gi, used: limits\.memory=1Gi, limited: limits\.memory=2Gi/);

  await ok(['-n', 'team', 'create', 'pdb', 'app-pdb', '--selector=app=x', '--min-available=50%']);
  t.match(await ok(['-n', 'team', 'get', 'pdb', 'app-pdb']), /app-pdb\s+50%\s+N\/A\s+0\s/);

  t.match(await ok(['get', 'ingressclass']), /NAME\s+CONTROLLER\s+PARAMETERS\s+AGE\nistio\s+istio\.io\/ingress-controller\s+<none>/);
  await ok(['-n', 'team', 'create', 'ingress', 'web', '--rule=web.example/=web:80']);
  t.equal(await ok(['-n', 'team', 'get', 'ingress', 'web', '-o', 'jsonpath={.spec.ingressClassName}']), 'istio');
});
