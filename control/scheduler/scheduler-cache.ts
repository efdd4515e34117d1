// The scheduler's picture of the cluster: NodeInfos with their assigned pods,
// including pods it has chosen a node for but whose binding the informer has
// not echoed back yet ("assumed"), so back-to-back decisions see each other.

import type { Node, Pod } from '../api/index.ts';
import { NodeInfo } from './node-info.ts';

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  private nodeList: NodeInfo[] | undefined;
  private readonly podNode = new Map<string, string>();
  /** Pods bound to nodes the cache has not seen yet, by node name. */
  private readonly waiting = new Map<string, Map<string, Pod>>();
  private readonly assumed = new Set<string>();

  /** The nodes in a stable order; the array is shared until the node set changes. */
  list(): readonly NodeInfo[] {
    return (this.nodeList ??= [...this.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1)));
  }

  node(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  upsertNode(node: Node): void {
    const existing = this.nodes.get(node.metadata.name);
    if (existing) {
      existing.setNode(node);
      return;
    }
    const info = new NodeInfo(node);
    for (const pod of this.waiting.get(node.metadata.name)?.values() ?? []) info.addPod(pod);
    this.waiting.delete(node.metadata.name);
    this.nodes.set(node.metadata.name, info);
    this.nodeList = undefined;
  }

  removeNode(name: string): void {
    const info = this.nodes.get(name);
    if (!info) return;
    this.nodes.delete(name);
    this.nodeList = undefined;
    this.waiting.set(name, new Map(info.pods));
  }

  /** Records a pod as the informer reports it; confirms an assumed pod once it shows up bound. */
  upsertPod(pod: Pod): void {
    const uid = pod.metadata.uid;
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || isTerminal(pod)) {
      // An unbound pod we assumed is still in flight: keep the assumption.
      if (!nodeName && this.assumed.has(uid)) return;
      this.removePod(uid);
      return;
    }
    this.assumed.delete(uid);
    this.place(pod, nodeName);
  }

  removePod(uid: string): void {
    const nodeName = this.podNode.get(uid);
    if (nodeName === undefined) return;
    this.podNode.delete(uid);
    this.assumed.delete(uid);
    this.nodes.get(nodeName)?.removePod(uid);
    const waiting = this.waiting.get(nodeName);
    waiting?.delete(uid);
    if (waiting?.size === 0) this.waiting.delete(nodeName);
  }

  assume(pod: Pod, nodeName: string): void {
    this.place({ ...pod, spec: { ...pod.spec!, nodeName } }, nodeName);
    this.assumed.add(pod.metadata.uid);
  }

  isAssumed(uid: string): boolean {
    return this.assumed.has(uid);
  }

  /** Drops an assumption whose binding failed. */
  forget(uid: string): void {
    if (this.assumed.has(uid)) this.removePod(uid);
  }

  private place(pod: Pod, nodeName: string): void {
    const uid = pod.metadata.uid;
    const previous = this.podNode.get(uid);
    if (previous !== undefined && previous !== nodeName) this.removePod(uid);
    this.podNode.set(uid, nodeName);
    const info = this.nodes.get(nodeName);
    if (info) info.addPod(pod);
    else {
      let w = this.waiting.get(nodeName);
      if (!w) this.waiting.set(nodeName, (w = new Map()));
      w.set(uid, pod);
    }
  }
}
