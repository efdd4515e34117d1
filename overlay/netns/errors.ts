// Error codes raised by overlay/netns. Callers switch on `code`; messages carry
// the component prefix (`overlay/netns: ...`) and the iproute2 command that failed.

import { MeshletError } from '../../control/api/index.ts';

export const NETNS_ERROR_CODES = {
  /** A cluster id, node or pod name, CIDR or address that cannot be turned into safe names/addresses. */
  input: 'MESHLET_NETNS_INPUT',
  /** An `ip`/`bridge` command failed (stderr in the message, the exec error as cause). */
  command: 'MESHLET_NETNS_COMMAND',
} as const;

export type NetnsErrorCode = (typeof NETNS_ERROR_CODES)[keyof typeof NETNS_ERROR_CODES];

export function netnsError(code: NetnsErrorCode, message: string, cause?: unknown): MeshletError {
  return new MeshletError(code, message, cause === undefined ? undefined : { cause });
}
