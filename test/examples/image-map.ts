// Test-side reading of examples/images.yaml, following the matching rules its header states.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './program-process.ts';

export interface ImageEntry {
  program: string;
  env?: Record<string, string>;
  args?: string[];
  ports?: number[];
}

export function loadImageMap(): Map<string, ImageEntry> {
  const doc = parse(readFileSync(resolve(REPO_ROOT, 'examples/images.yaml'), 'utf8')) as { kind: string; images: Record<string, ImageEntry> };
  if (doc.kind !== 'ImageMap') throw new Error('examples/images.yaml: kind must be ImageMap');
  return new Map(Object.entries(doc.images).map(([key, entry]) => [normalizeImage(key), entry]));
}

/** Repository of an image reference without tag/digest, Docker Hub short forms expanded. */
export function normalizeImage(reference: string): string {
  let ref = reference.trim().toLowerCase().replace(/@sha256:[0-9a-f]+$/, '');
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  if (colon >= 0) ref = ref.slice(0, colon);
  ref = ref.replace(/^index\.docker\.io\//, 'docker.io/');
  const first = ref.split('/')[0];
  const hasRegistry = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) ref = `docker.io/${ref}`;
  return ref.replace(/^docker\.io\/library\//, 'docker.io/');
}
