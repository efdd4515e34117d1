// Where the shared reference manifests live: `shared/reference` beside the
// checkout (../shared from /work/main, ../../shared from a worktree under
// /work/wt). Tests read Istio's samples from there, never from copies.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function findReferenceRoot(): string {
  let dir = resolve(import.meta.dirname, '../..');
  for (;;) {
    const candidate = join(dir, 'shared', 'reference');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('test/helpers/reference: no shared/reference directory above the checkout');
    dir = parent;
  }
}

export const REFERENCE_ROOT = findReferenceRoot();
export const ISTIO_SAMPLES = join(REFERENCE_ROOT, 'istio-samples');

/** The text of an Istio sample, e.g. `helloworld/helloworld-gateway.yaml`. */
export function istioSample(path: string): string {
  return readFileSync(join(ISTIO_SAMPLES, path), 'utf8');
}
