// Awaits a promise that must fail with an ApiError of the given reason and
// returns the error, so tests can inspect its message and details.

import { ApiError } from '../../control/api/index.ts';
import type { StatusReason } from '../../control/api/index.ts';

export async function expectApiError(promise: Promise<unknown>, reason: StatusReason): Promise<ApiError> {
  let outcome: unknown;
  try {
    await promise;
  } catch (err) {
    outcome = err;
  }
  if (!(outcome instanceof ApiError)) {
    throw new Error(`expected ApiError ${reason}, got ${outcome === undefined ? 'success' : String(outcome)}`);
  }
  if (outcome.reason !== reason) throw new Error(`expected ApiError ${reason}, got ${outcome.reason}: ${outcome.message}`);
  return outcome;
}
