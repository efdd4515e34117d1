// Records Kubernetes Events (what `kubectl describe` shows). Repeated events
// for the same object and reason bump `count` instead of piling up.

import type { Client, CoreEvent, KubeObject, Clock } from '../api/index.ts';
import { EVENTS, isApiError, systemClock } from '../api/index.ts';

export interface EventRecorder {
  /** `fieldPath` names the part of the object, e.g. `spec.containers{app}` (kubectl describe shows it). */
  record(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void;
}

export function createEventRecorder(client: Client, component: string, host?: string, clock: Clock = systemClock): EventRecorder {
  return {
    record(object, type, reason, message, fieldPath) {
      void writeEvent(client, component, host, clock, object, type, reason, message, fieldPath).catch(() => {
        // Events are best effort, as in Kubernetes: losing one must not fail the caller.
      });
    },
  };
}

async function writeEvent(
  client: Client,
  component: string,
  host: string | undefined,
  clock: Clock,
  object: KubeObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  fieldPath: string | undefined,
): Promise<void> {
  const namespace = object.metadata.namespace ?? 'default';
  const digest = simpleHash(`${object.metadata.uid}/${fieldPath ?? ''}/${reason}/${message}`);
  const name = `${object.metadata.name}.${digest}`;
  const now = new Date(clock.now()).toISOString();
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await client.get<CoreEvent>(EVENTS, namespace, name);
    try {
      if (existing) {
        await client.update(EVENTS, { ...existing, count: (existing.count ?? 1) + 1, lastTimestamp: now });
      } else {
        await client.create(EVENTS, {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: object.apiVersion,
            kind: object.kind,
            name: object.metadata.name,
            namespace: object.metadata.namespace,
            uid: object.metadata.uid,
            ...(fieldPath ? { fieldPath } : {}),
          },
          reason,
          message,
          type,
          count: 1,
          firstTimestamp: now,
          lastTimestamp: now,
          source: { component, ...(host ? { host } : {}) },
        });
      }
      return;
    } catch (err) {
      if (!isApiError(err, 'Conflict') && !isApiError(err, 'AlreadyExists')) throw err;
    }
  }
}

function simpleHash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
