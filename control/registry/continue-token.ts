// `continue` tokens for paged lists: the revision the first page was read at
// and the last key returned, opaque to clients (base64url JSON).

import { ApiError } from '../api/index.ts';

export interface ContinueState {
  revision: number;
  startAfter: string;
}

export function encodeContinue(state: ContinueState): string {
  return Buffer.from(JSON.stringify({ rv: state.revision, start: state.startAfter })).toString('base64url');
}

export function decodeContinue(token: string): ContinueState {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
    if (typeof parsed.rv === 'number' && typeof parsed.start === 'string') return { revision: parsed.rv, startAfter: parsed.start };
  } catch {
    // fall through to the error below
  }
  throw new ApiError('BadRequest', 'invalid continue token');
}
