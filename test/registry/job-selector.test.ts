// Jobs get Kubernetes' generated selector on create: the pod template is
// labelled job-name / controller-uid (plain and batch.kubernetes.io/) and
// spec.selector picks batch.kubernetes.io/controller-uid, unless the user
// asked for manualSelector. The selector is immutable afterwards.

import t from 'tap';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { JOBS } from '../../control/api/index.ts';
import type { KubeObject } from '../../control/api/index.ts';
import { expectApiError } from '../helpers/expect-error.ts';

type JobObj = KubeObject<{ selector?: { matchLabels?: Record<string, string> }; manualSelector?: boolean; template: { metadata?: { labels?: Record<string, string> } } }>;

async function setup() {
  const registry = createRegistry({ store: new MemoryStore() });
  await registry.ensureNamespaces(['default']);
  return registry;
}

const job = (name: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'default' },
  spec: {
    template: { ...(labels ? { metadata: { labels } } : {}), spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] } },
    ...spec,
  },
});

t.test('create generates the selector and the template labels from the uid', async (t) => {
  const registry = await setup();
  const created = await registry.create<JobObj>(JOBS, job('hello', {}, { team: 'a' }));
  const uid = created.metadata.uid;
  t.same(created.spec?.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  t.same(created.spec?.template.metadata?.labels, {
    team: 'a',
    'job-name': 'hello',
    'batch.kubernetes.io/job-name': 'hello',
    'controller-uid': uid,
    'batch.kubernetes.io/controller-uid': uid,
  });
  t.equal(created.spec?.manualSelector, undefined, 'manualSelector is not written');
  const other = await registry.create<JobObj>(JOBS, job('other'));
  t.not(other.spec?.selector?.matchLabels?.['batch.kubernetes.io/controller-uid'], uid, 'each Job selects only its own pods');
});

t.test('manualSelector keeps the user selector and labels as given', async (t) => {
  const registry = await setup();
  const created = await registry.create<JobObj>(JOBS, job('manual', { manualSelector: true, selector: { matchLabels: { run: 'x' } } }, { run: 'x' }));
  t.same(created.spec?.selector, { matchLabels: { run: 'x' } });
  t.same(created.spec?.template.metadata?.labels, { run: 'x' });
  const missing = await expectApiError(registry.create(JOBS, job('nosel', { manualSelector: true }, { run: 'x' })), 'Invalid');
  t.match(missing.details?.causes, [{ field: 'spec.selector', reason: 'FieldValueRequired' }]);
  const mismatch = await expectApiError(registry.create(JOBS, job('mismatch', { manualSelector: true, selector: { matchLabels: { run: 'y' } } }, { run: 'x' })), 'Invalid');
  t.match(mismatch.details?.causes, [{ field: 'spec.template.metadata.labels', message: /`selector` does not match template `labels`/ }]);
});

t.test('a user label that contradicts the generated selector is refused', async (t) => {
  const registry = await setup();
  const err = await expectApiError(registry.create(JOBS, job('liar', {}, { 'batch.kubernetes.io/controller-uid': 'not-mine' })), 'Invalid');
  t.match(err.details?.causes, [{ field: 'spec.template.metadata.labels' }]);
});

t.test('the selector is immutable; an update that omits it keeps it', async (t) => {
  const registry = await setup();
  const created = await registry.create<JobObj>(JOBS, job('keep'));
  const fromManifest = { ...job('keep', { suspend: true }), metadata: { name: 'keep', namespace: 'default' } };
  const updated = await registry.update<JobObj>(JOBS, fromManifest);
  t.same(updated.spec?.selector, created.spec?.selector, 'selector kept');
  t.same(updated.spec?.template.metadata?.labels, created.spec?.template.metadata?.labels, 'generated labels kept');
  const err = await expectApiError(registry.patch(JOBS, 'default', 'keep', 'merge', { spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'other' } } } }), 'Invalid');
  t.match(err.details?.causes, [{ field: 'spec.selector', message: /field is immutable/ }]);
});
