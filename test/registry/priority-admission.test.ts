// The Priority admission plugin and PriorityClass rules, against the
// in-process registry: built-in classes, class → spec.priority /
// preemptionPolicy, globalDefault, Kubernetes' Forbidden messages, reserved
// names, the user maximum, one default, immutable value; and the printer columns.

import t from 'tap';
import type { ObjectInput, Pod, PrioritizedPodSpec, PriorityClass } from '../../control/api/index.ts';
import { PODS, PRIORITY_CLASSES, isApiError } from '../../control/api/index.ts';
import { createRegistry, ensureSystemPriorityClasses } from '../../control/registry/index.ts';
import { MemoryStore } from '../../control/store/index.ts';
import { columnsFor } from '../../control/apiserver/table-columns.ts';
import { unknownFields } from '../../control/registry/validation/unknown-fields.ts';

async function registry() {
  const store = new MemoryStore();
  const client = createRegistry({ store });
  await client.ensureNamespaces(['default']);
  await ensureSystemPriorityClasses(client);
  return { client, close: () => store.close() };
}

const pc = (name: string, value: number, extra: Record<string, unknown> = {}): ObjectInput => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra });
const pod = (name: string, spec: Record<string, unknown> = {}): ObjectInput => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } });
const specOf = (p: Pod) => p.spec as PrioritizedPodSpec;

t.test('the built-in classes exist, with their values and columns', async (t) => {
  const { client, close } = await registry();
  t.teardown(close);
  await ensureSystemPriorityClasses(client);
  const items = (await client.list(PRIORITY_CLASSES)).items;
  t.same(items.map((c) => [c.metadata.name, c.value]).sort(), [['system-cluster-critical', 2000000000], ['system-node-critical', 2000001000]], 'idempotent: each once');
  const columns = columnsFor(PRIORITY_CLASSES);
  t.same(columns.map((c) => c.name), ['Name', 'Value', 'Global-Default', 'Age']);
  t.same(columns.slice(0, 3).map((c) => c.value(items[0]!, Date.parse(items[0]!.metadata.creationTimestamp))), [items[0]!.metadata.name, items[0]!.value, false]);
});

t.test('priorityClassName resolves to priority and preemptionPolicy', async (t) => {
  const { client, close } = await registry();
  t.teardown(close);
  await client.create(PRIORITY_CLASSES, pc('high', 1000, { preemptionPolicy: 'Never' }));
  const created = await client.create(PODS, pod('p', { priorityClassName: 'high' }));
  t.match(specOf(created), { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'Never' });
  const critical = await client.create(PODS, pod('c', { priorityClassName: 'system-node-critical' }));
  t.match(specOf(critical), { priority: 2000001000, preemptionPolicy: 'PreemptLowerPriority' });
  const plain = await client.create(PODS, pod('plain'));
  t.match(specOf(plain), { priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
  t.notOk(specOf(plain).priorityClassName, 'no default class: no name');
  const agreeing = await client.create(PODS, pod('agree', { priorityClassName: 'high', priority: 1000 }));
  t.equal(specOf(agreeing).priority, 1000, 'a priority that agrees is accepted');
});

t.test('the globalDefault class applies when none is named', async (t) => {
  const { client, close } = await registry();
  t.teardown(close);
  await client.create(PRIORITY_CLASSES, pc('normal', 100, { globalDefault: true }));
  const created = await client.create(PODS, pod('p'));
  t.match(specOf(created), { priorityClassName: 'normal', priority: 100 });
  const err = await client.create(PRIORITY_CLASSES, pc('other', 5, { globalDefault: true })).catch((e: unknown) => e);
  t.ok(isApiError(err, 'Forbidden'));
  t.match((err as Error).message, 'PriorityClass normal is already marked as default. Only one default can exist');
});

t.test('unknown classes and disagreeing fields are Forbidden with Kubernetes\' messages', async (t) => {
  const { client, close } = await registry();
  t.teardown(close);
  await client.create(PRIORITY_CLASSES, pc('high', 1000));
  const cases: [string, Record<string, unknown>, string][] = [
    ['unknown', { priorityClassName: 'nope' }, 'pods "unknown" is forbidden: no PriorityClass with name nope was found'],
    ['userset', { priorityClassName: 'high', priority: 5 }, 'pods "userset" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name'],
    ['policy', { priorityClassName: 'high', preemptionPolicy: 'Never' }, 'pods "policy" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name'],
    ['noclass', { priority: 7 }, 'pods "noclass" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name'],
  ];
  for (const [name, spec, message] of cases) {
    const err = await client.create(PODS, pod(name, spec)).catch((e: unknown) => e);
    t.ok(isApiError(err, 'Forbidden'), `${name}: 403`);
    t.equal((err as Error).message, message);
    t.notOk(await client.get(PODS, 'default', name), `${name}: not stored`);
  }
});

t.test('PriorityClass rules: reserved names, the user maximum, immutable value', async (t) => {
  const { client, close } = await registry();
  t.teardown(close);
  const reserved = await client.create(PRIORITY_CLASSES, pc('system-mine', 10)).catch((e: unknown) => e);
  t.ok(isApiError(reserved, 'Invalid'));
  t.match((reserved as Error).message, "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only");
  const tooHigh = await client.create(PRIORITY_CLASSES, pc('huge', 1_000_000_001)).catch((e: unknown) => e);
  t.match((tooHigh as Error).message, 'value: Forbidden: maximum allowed value of a user defined priority is 1000000000');
  const created = await client.create<PriorityClass>(PRIORITY_CLASSES, pc('mid', 50));
  t.equal(created.preemptionPolicy, 'PreemptLowerPriority', 'defaulted');
  const changed = await client.update(PRIORITY_CLASSES, { ...created, value: 60 }).catch((e: unknown) => e);
  t.ok(isApiError(changed, 'Invalid'));
  t.match((changed as Error).message, 'value: Invalid value: 60: field is immutable');
  const described = await client.update<PriorityClass>(PRIORITY_CLASSES, { ...created, description: 'middle' });
  t.equal(described.description, 'middle', 'other fields may change');
});

t.test('strict field validation knows PriorityClass.description (its validator never reads it) and still flags typos', async (t) => {
  const base = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'x' }, value: 1 };
  t.same(unknownFields(PRIORITY_CLASSES, { ...base, description: 'kept' }), []);
  t.same(unknownFields(PRIORITY_CLASSES, { ...base, descriptoin: 'typo' }), ['descriptoin']);
});
