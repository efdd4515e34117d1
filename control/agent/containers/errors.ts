// Typed errors of the container runtime. Log errors are ApiErrors so the API
// server answers with the Status kubectl expects (400 with kubelet's wording);
// `logCode` is the stable code to switch on.

import { ApiError, MeshletError } from '../../api/index.ts';

export type ContainerRuntimeErrorCode = 'MESHLET_IMAGE_MAP_INVALID' | 'MESHLET_RUNTIME_CLOSED' | 'MESHLET_VOLUME_PAYLOAD' | 'MESHLET_MOUNT_FAILED';

export class ContainerRuntimeError extends MeshletError {
  declare readonly code: ContainerRuntimeErrorCode;
  constructor(code: ContainerRuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type PodLogErrorCode =
  | 'MESHLET_LOGS_CONTAINER_NAME_REQUIRED'
  | 'MESHLET_LOGS_CONTAINER_NOT_FOUND'
  | 'MESHLET_LOGS_CONTAINER_WAITING'
  | 'MESHLET_LOGS_PREVIOUS_NOT_FOUND'
  | 'MESHLET_LOGS_POD_NOT_FOUND';

export class PodLogError extends ApiError {
  readonly logCode: PodLogErrorCode;
  constructor(logCode: PodLogErrorCode, message: string) {
    super(logCode === 'MESHLET_LOGS_POD_NOT_FOUND' ? 'NotFound' : 'BadRequest', message);
    this.logCode = logCode;
  }
}
