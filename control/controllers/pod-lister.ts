// Where reconcilers read pods from. By default straight from the Client
// (always current; what the reconcile(key) tests use). startControllers
// passes a lister over the shared pods informer instead: no API round trip
// and no copying of every pod in the namespace on each pass, at the price of
// a cache that may lag the controller's own writes — see Expectations.

import type { Client, LabelSelector, Pod } from '../api/index.ts';
import { PODS, matchesSelector, selectorToString } from '../api/index.ts';
import type { Informer } from '../runtime/index.ts';

/** Pods in `namespace` matching `selector`. Returned objects are shared: never mutate them. */
export type PodLister = (namespace: string | undefined, selector: LabelSelector) => Promise<Pod[]>;

export function clientPodLister(client: Client): PodLister {
  return async (namespace, selector) => (await client.list<Pod>(PODS, { namespace, labelSelector: selectorToString(selector) })).items;
}

export function informerPodLister(informer: Informer<Pod>): PodLister {
  return (namespace, selector) =>
    Promise.resolve(informer.list().filter((p) => p.metadata.namespace === namespace && matchesSelector(p.metadata.labels, selector)));
}
