// The taints Kubernetes puts on nodes from their Ready condition
// (well_known_taints.go), shared by the node lifecycle controller, the
// DefaultTolerationSeconds admission and the taint-based eviction.

/** Ready=False: the node agent says it cannot run pods (e.g. shutting down). */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
/** Ready=Unknown: the node agent stopped renewing its Lease. */
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
/** Node heartbeats: one coordination.k8s.io Lease per node, named after it. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** DefaultTolerationSeconds admission's default for both taints (kube-apiserver's 300 s). */
export const DEFAULT_TOLERATION_SECONDS = 300;
