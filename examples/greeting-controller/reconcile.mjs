// One Greeting → one ConfigMap `greeting-<name>` holding the rendered text,
// owned by the Greeting (so the garbage collector deletes it with it), and the
// Greeting's status saying what was written, by whom, for which generation.
export const GROUP = 'examples.meshlet.dev';
export const VERSION = 'v1';
export const PLURAL = 'greetings';

export const configMapName = (greeting) => `greeting-${greeting.metadata.name}`;

export function renderText(spec) {
  return `${spec.message}, ${spec.recipient ?? 'world'}!`;
}

/**
 * @param {{ core: import('@kubernetes/client-node').CoreV1Api, custom: import('@kubernetes/client-node').CustomObjectsApi, identity: string, log: (line: string) => void }} deps
 * @param {string} namespace
 * @param {string} name
 */
export async function reconcileGreeting(deps, namespace, name) {
  let greeting;
  try {
    greeting = await deps.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name });
  } catch (err) {
    if (err?.code === 404) return; // deleted: its ConfigMap goes with it (ownerReference)
    throw err;
  }
  if (greeting.metadata.deletionTimestamp) return;

  const text = renderText(greeting.spec);
  const cmName = configMapName(greeting);
  const desired = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: cmName,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'greeting-controller', 'examples.meshlet.dev/greeting': name },
      ownerReferences: [{ apiVersion: `${GROUP}/${VERSION}`, kind: 'Greeting', name, uid: greeting.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    data: { text },
  };
  let current;
  try {
    current = await deps.core.readNamespacedConfigMap({ name: cmName, namespace });
  } catch (err) {
    if (err?.code !== 404) throw err;
  }
  if (!current) {
    await deps.core.createNamespacedConfigMap({ namespace, body: desired });
    deps.log(`created ConfigMap ${namespace}/${cmName} for Greeting ${name}`);
  } else if (current.data?.text !== text) {
    await deps.core.replaceNamespacedConfigMap({ name: cmName, namespace, body: { ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion } } });
    deps.log(`updated ConfigMap ${namespace}/${cmName} for Greeting ${name}`);
  }

  const old = greeting.status ?? {};
  const generation = greeting.metadata.generation ?? 1;
  const unchanged = old.observedGeneration === generation && old.configMap === cmName && old.text === text && old.handledBy === deps.identity;
  if (unchanged) return;
  const wasReady = old.conditions?.find((c) => c.type === 'Ready');
  const status = {
    observedGeneration: generation,
    configMap: cmName,
    text,
    handledBy: deps.identity,
    conditions: [{
      type: 'Ready',
      status: 'True',
      reason: 'ConfigMapSynced',
      message: `ConfigMap ${cmName} holds the greeting`,
      lastTransitionTime: wasReady?.status === 'True' ? wasReady.lastTransitionTime : new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    }],
  };
  // The resourceVersion read above makes this a compare-and-swap: a newer
  // Greeting (409) is reconciled again from its own watch event.
  await deps.custom.replaceNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { ...greeting, status } });
  deps.log(`status of Greeting ${namespace}/${name}: Ready (generation ${generation})`);
}
