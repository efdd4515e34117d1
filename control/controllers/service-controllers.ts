// Wires the controllers that give Services what a cloud or the API server
// would: LoadBalancer addresses (load-balancer.ts), the `kubernetes`
// Service (kubernetes-service.ts) and, in every namespace, the API server's CA
// for in-cluster clients (root-ca-publisher.ts). Started by the control plane next to
// startControllers, on the same informers.

import type { Client, Clock, ConfigMap, Endpoints, Namespace, Service } from '../api/index.ts';
import { CONFIG_MAPS, ENDPOINTS, NAMESPACES, SERVICES, isApiError, objectKeyOf } from '../api/index.ts';
import { ROOT_CA_CONFIG_MAP_NAME, createRootCaPublisher } from './root-ca-publisher.ts';
import { Controller } from '../runtime/index.ts';
import type { InformerSet } from '../runtime/index.ts';
import { createLoadBalancerReconciler } from './load-balancer.ts';
import { KUBERNETES_SERVICE_KEY, createKubernetesServiceReconciler } from './kubernetes-service.ts';

export interface ServiceControllersOptions {
  client: Client;
  informers: InformerSet;
  clock?: Clock;
  /** Addresses for LoadBalancer Services. */
  loadBalancerPool: readonly string[];
  /** The `kubernetes` Service: its ClusterIP and the API server's address. */
  apiServer: { clusterIp: string; address: string; port: number; /** PEM of the serving CA, published as kube-root-ca.crt in every namespace. */ caPem?: string };
  onError?: (name: string, key: string, err: unknown) => void;
}

export interface RunningServiceControllers {
  idle(): boolean;
  stop(): Promise<void>;
}

export function startServiceControllers(options: ServiceControllersOptions): RunningServiceControllers {
  const { client, informers, clock } = options;
  const report = options.onError;
  const onError = (name: string, key: string, err: unknown) => {
    if (!isApiError(err, 'Conflict') && !isApiError(err, 'NotFound')) report?.(name, key, err);
  };
  const common = { ...(clock ? { clock } : {}), onError };
  // One worker: addresses are chosen from a fresh list, so two Services never get the same one.
  const loadBalancers = new Controller(createLoadBalancerReconciler({ client, pool: options.loadBalancerPool, clock }), { workers: 1, ...common });
  const kubernetesService = new Controller(
    createKubernetesServiceReconciler({ client, clusterIp: options.apiServer.clusterIp, apiAddress: options.apiServer.address, apiPort: options.apiServer.port }),
    { workers: 1, ...common },
  );
  informers.for<Service>(SERVICES).addHandlers({
    onAdd: (svc) => loadBalancers.enqueue(objectKeyOf(svc)),
    onUpdate: (_old, svc) => loadBalancers.enqueue(objectKeyOf(svc)),
    onDelete: (svc) => {
      if (objectKeyOf(svc) === KUBERNETES_SERVICE_KEY) kubernetesService.enqueue(KUBERNETES_SERVICE_KEY);
    },
  });
  informers.for<Endpoints>(ENDPOINTS).addHandlers({
    onUpdate: (_old, ep) => {
      if (objectKeyOf(ep) === KUBERNETES_SERVICE_KEY) kubernetesService.enqueue(KUBERNETES_SERVICE_KEY);
    },
    onDelete: (ep) => {
      if (objectKeyOf(ep) === KUBERNETES_SERVICE_KEY) kubernetesService.enqueue(KUBERNETES_SERVICE_KEY);
    },
  });
  const caPem = options.apiServer.caPem;
  const rootCa = caPem ? new Controller(createRootCaPublisher({ client, caPem }), { workers: 1, ...common }) : undefined;
  if (rootCa) {
    informers.for<Namespace>(NAMESPACES).addHandlers({ onAdd: (ns) => rootCa.enqueue(ns.metadata.name), onUpdate: (_old, ns) => rootCa.enqueue(ns.metadata.name) });
    const onCa = (cm: ConfigMap): void => {
      if (cm.metadata.name === ROOT_CA_CONFIG_MAP_NAME && cm.metadata.namespace) rootCa.enqueue(cm.metadata.namespace);
    };
    informers.for<ConfigMap>(CONFIG_MAPS).addHandlers({ onUpdate: (_old, cm) => onCa(cm), onDelete: onCa });
    rootCa.start();
  }
  loadBalancers.start();
  kubernetesService.start();
  kubernetesService.enqueue(KUBERNETES_SERVICE_KEY);
  return {
    idle: () => loadBalancers.idle() && (rootCa?.idle() ?? true),
    async stop() {
      await Promise.all([loadBalancers.stop(), kubernetesService.stop(), rootCa?.stop()]);
    },
  };
}
