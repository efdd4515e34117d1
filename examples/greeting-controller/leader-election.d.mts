// Types of leader-election.mjs for TypeScript callers (the tests); the program itself is plain ESM.
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';

export interface ElectionOptions {
  api: CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onNewLeader: (holder: string) => void;
  log: (line: string) => void;
  watchLease?: (onLease: (lease: V1Lease) => void) => void;
}

export declare class LeaderElector {
  constructor(options: ElectionOptions);
  readonly leading: boolean;
  run(): Promise<void>;
  release(): Promise<void>;
}
