// Wires the controllers that give Services what a cloud or the API server
// would: LoadBalancer addresses (load-balancer.ts) and the `kubernetes`
// Service (kubernetes-service.ts). Started by the control plane next to
// startControllers, on the same informers.

import type { Client, Clock, Endpoints, Service } from '../api/index.ts';
import { ENDPOINTS, SERVICES, isApiError, objectKeyOf } from '../api/index.ts';
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
  apiServer: { clusterIp: string; address: string; port: number };
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
  loadBalancers.start();
  kubernetesService.start();
  kubernetesService.enqueue(KUBERNETES_SERVICE_KEY);
  return {
    idle: () => loadBalancers.idle(),
    async stop() {
      await Promise.all([loadBalancers.stop(), kubernetesService.stop()]);
    },
  };
}
