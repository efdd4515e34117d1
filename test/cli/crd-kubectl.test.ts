// Acceptance with real kubectl 1.32 against `meshlet up`: apply a CRD, wait
// for Established, then a custom resource — get (short name, category),
// get -o wide with printer columns, patch, get -w sees the change, scale,
// a schema violation gets its field path, delete the CRD takes its objects;
// kubectl explain prints field docs for built-ins and the custom kind. Each
// kubectl has a fresh discovery cache (kubectlFor), as a new user's would.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringifyYaml } from '../../control/api/index.ts';
import { meshlet, upDetached } from '../helpers/meshlet-cli.ts';
import { waitFor } from '../helpers/wait.ts';
import { widget, widgetCrd } from '../helpers/crd-fixtures.ts';
import { findKubectl, KUBECTL_MISSING, kubectlFor } from '../apiserver/kubectl-runner.ts';

if (!findKubectl()) {
  t.fail(KUBECTL_MISSING);
} else {
  t.test('CRDs and custom resources with real kubectl', { timeout: 240_000 }, async (t) => {
    const home = await upDetached(t, 'meshlet-crd-');
    const kubectl = kubectlFor(join(home, 'kubeconfig'));
    t.teardown(() => kubectl.close());
    const files = (name: string, text: string): string => {
      const path = join(home, name);
      writeFileSync(path, text);
      return path;
    };

    // Discovery is cached before the CRD exists, as a user's kubectl would have it.
    t.equal((await kubectl.run(['api-resources'])).code, 0);
    const crd = await kubectl.run(['apply', '-f', files('crd.yaml', stringifyYaml(widgetCrd()))]);
    t.equal(crd.code, 0, crd.stderr);
    t.match(crd.stdout, 'customresourcedefinition.apiextensions.k8s.io/widgets.example.com created');
    const established = await kubectl.run(['wait', '--for=condition=Established', '--timeout=60s', 'crd/widgets.example.com']);
    t.equal(established.code, 0, established.stderr);

    const w1 = files('w1.yaml', stringifyYaml({ ...widget('w1', { size: 'small', bogus: 1 }), status: { replicas: 7 } }));
    const strict = await kubectl.run(['apply', '-f', w1]);
    t.not(strict.code, 0, 'kubectl validates strictly by default');
    t.match(strict.stderr, 'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.bogus"');
    const cr = await kubectl.run(['apply', '--validate=false', '-f', w1]);
    t.equal(cr.code, 0, cr.stderr);
    t.match(cr.stdout, 'widget.example.com/w1 created');

    const list = await kubectl.run(['get', 'widgets']);
    t.equal(list.code, 0, list.stderr);
    t.match(list.stdout, /^NAME\s+SIZE\s+REPLICAS\s+READY\s+AGE\n/);
    t.match(list.stdout, /\nw1\s+small\s+1\s+\S*\s*\d+s\n/);
    const wide = await kubectl.run(['get', 'wd', '-o', 'wide']);
    t.match(wide.stdout, /^NAME\s+SIZE\s+REPLICAS\s+COLOR\s+READY\s+AGE\n/, 'priority-1 columns with -o wide');
    t.match(wide.stdout, /\nw1\s+small\s+1\s+blue\s/);
    t.equal((await kubectl.run(['get', 'toys', '-o', 'name'])).stdout.trim(), 'widget.example.com/w1', 'the CRD category');
    const stored = JSON.parse((await kubectl.run(['get', 'widget', 'w1', '-o', 'json', '--show-managed-fields'])).stdout) as { spec: Record<string, unknown>; status?: unknown; metadata: { managedFields?: { manager: string }[] } };
    t.same(stored.spec, { size: 'small', replicas: 1, color: 'blue' }, 'unknown fields pruned, defaults applied');
    t.equal(stored.status, undefined, 'status is not set through the main resource');
    t.ok(stored.metadata.managedFields?.some((m) => m.manager === 'kubectl-client-side-apply'), 'managedFields are recorded');

    const watcher = kubectl.spawn(['get', 'widgets', '-w', '--output-watch-events']);
    let watched = '';
    watcher.stdout.on('data', (chunk: Buffer) => (watched += chunk.toString()));
    t.teardown(() => void watcher.kill());
    await waitFor('get -w lists w1', () => /ADDED\s+w1\s/.test(watched), { timeoutMs: 30_000 });
    const patched = await kubectl.run(['patch', 'widget', 'w1', '--type=merge', '-p', '{"spec":{"size":"large"}}']);
    t.equal(patched.code, 0, patched.stderr);
    await waitFor('get -w sees the patch', () => /MODIFIED\s+w1\s+large\s/.test(watched), { timeoutMs: 30_000 });

    const scaled = await kubectl.run(['scale', 'widget/w1', '--replicas=3']);
    t.equal(scaled.code, 0, scaled.stderr);
    t.match(scaled.stdout, 'widget.example.com/w1 scaled');
    t.equal((await kubectl.run(['get', 'widget', 'w1', '-o', 'jsonpath={.spec.replicas}'])).stdout, '3');

    const invalid = await kubectl.run(['apply', '-f', files('bad.yaml', stringifyYaml(widget('w2', { size: 'medium', replicas: 'two' })))]);
    t.not(invalid.code, 0);
    t.match(invalid.stderr, 'The Widget "w2" is invalid');
    t.match(invalid.stderr, 'spec.size: Unsupported value: "medium": supported values: "small", "large"');
    t.match(invalid.stderr, 'spec.replicas: Invalid value: "two": spec.replicas in body must be of type integer: "string"');

    const explainPod = await kubectl.run(['explain', 'pod.spec.containers']);
    t.equal(explainPod.code, 0, explainPod.stderr);
    t.match(explainPod.stdout, /FIELD: containers <\[\]Container>/);
    t.match(explainPod.stdout, /List of containers belonging to the pod\./);
    t.match(explainPod.stdout, /\n {2}image\t<string>\n/);
    const explainStrategy = await kubectl.run(['explain', 'deployment.spec.strategy', '--recursive']);
    t.equal(explainStrategy.code, 0, explainStrategy.stderr);
    t.match(explainStrategy.stdout, /FIELD: strategy <DeploymentStrategy>/);
    t.match(explainStrategy.stdout, /rollingUpdate\t<RollingUpdateDeployment>\n\s+maxSurge\t<IntOrString>|rollingUpdate\t<RollingUpdateDeployment>\n\s+maxSurge/);
    const explainWidget = await kubectl.run(['explain', 'widget.spec']);
    t.equal(explainWidget.code, 0, explainWidget.stderr);
    t.match(explainWidget.stdout, /What the widget should be\./);
    t.match(explainWidget.stdout, /size\t<string> -required-/);

    // meshlet apply: a CRD and its custom resource in one file (the resource waits until the CRD is served).
    const gadgetCrd = widgetCrd();
    Object.assign(gadgetCrd, { metadata: { name: 'gadgets.example.org' }, spec: { ...(gadgetCrd['spec'] as object), group: 'example.org', names: { plural: 'gadgets', kind: 'Gadget' } } });
    const gadget = { ...widget('g1', { size: 'large' }), apiVersion: 'example.org/v1', kind: 'Gadget' };
    const both = await meshlet(home, ['apply', '-f', files('gadgets.yaml', `${stringifyYaml(gadgetCrd)}---\n${stringifyYaml(gadget)}`)]);
    t.equal(both.code, 0, both.stderr);
    t.match(both.stdout, 'customresourcedefinition.apiextensions.k8s.io/gadgets.example.org created');
    t.match(both.stdout, 'gadget.example.org/g1 created');

    // meshlet get/delete find CRD-defined kinds through discovery.
    const meshletGet = await meshlet(home, ['get', 'wd', '-o', 'wide']);
    t.equal(meshletGet.code, 0, meshletGet.stderr);
    t.match(meshletGet.stdout, /^NAME\s+SIZE\s+REPLICAS\s+COLOR\s+READY\s+AGE\n/);
    t.match(meshletGet.stdout, /\nw1\s+large\s+3\s+blue\s/);
    const meshletDelete = await meshlet(home, ['delete', 'gadget', 'g1']);
    t.equal(meshletDelete.code, 0, meshletDelete.stderr);
    t.match(meshletDelete.stdout, 'gadget.example.org "g1" deleted');

    const deleted = await kubectl.run(['delete', 'crd', 'widgets.example.com']);
    t.equal(deleted.code, 0, deleted.stderr);
    const gone = await meshlet(home, ['get', 'crd']);
    t.notMatch(gone.stdout, /widgets\.example\.com/, 'the CRD is gone once its objects are');
  });
}
