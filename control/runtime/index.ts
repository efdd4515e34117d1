// control/runtime: the machinery controllers are built from — a de-duplicating
// work queue with backoff, list-then-watch informers, the controller loop and
// an event recorder.

export type { WorkQueueOptions } from './work-queue.ts';
export { WorkQueue } from './work-queue.ts';
export type { InformerHandlers, InformerOptions } from './informer.ts';
export { Informer } from './informer.ts';
export { InformerSet } from './informer-set.ts';
export type { ReconcileResult, Reconciler, ControllerOptions } from './controller.ts';
export { Controller, TerminalError } from './controller.ts';
export type { EventRecorder } from './events.ts';
export { createEventRecorder } from './events.ts';
