// Image map: which local program stands in for a container image. The only
// file here that uses the `yaml` package.
//
// File format (examples/images.yaml is the built-in one):
//   apiVersion: meshlet.dev/v1alpha1
//   kind: ImageMap
//   images:
//     docker.io/istio/examples-bookinfo-productpage-v1:
//       program: examples/bookinfo/productpage/server.mjs
//       env: { KEY: value }      # the image's ENV; container env wins
//       args: ["9000"]           # the image's CMD; container args replace them
//       workingDir: some/dir     # the image's WORKDIR; default the program's directory
//       ports: [9080]            # ports the image listens on (readiness fallback)
// A bare mapping of image → entry (no `images:` wrapper) is accepted too, and an
// entry may be just the program path. Relative paths resolve against the file's
// base: the repository root for the built-in file, the file's own directory for
// user files (or the `base` given with the file).

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYaml } from '../../api/index.ts';
import { ContainerRuntimeError } from './errors.ts';
import type { ImageMap, ImageMapEntry } from './types.ts';

export interface ImageMapFile {
  path: string;
  /** Directory relative paths resolve against; default the file's directory. */
  base?: string;
  /** Fail when the file is missing instead of skipping it. Default false. */
  required?: boolean;
}

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The examples' image map; its program paths are relative to the repository root. */
export function builtinImageMapFile(): ImageMapFile {
  return { path: resolve(REPO_ROOT, 'examples/images.yaml'), base: REPO_ROOT, required: true };
}

/**
 * Reduces an image reference to the key used for lookup: lower-cased, digest and
 * tag dropped (unless keepTag), Docker Hub's `docker.io/`, `index.docker.io/` and
 * `library/` prefixes removed so `redis:7`, `library/redis` and `docker.io/library/redis` agree.
 */
export function canonicalImage(image: string, keepTag = false): string {
  let ref = image.trim().toLowerCase();
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  if (!keepTag) {
    const colon = ref.lastIndexOf(':');
    if (colon > ref.lastIndexOf('/')) ref = ref.slice(0, colon);
  }
  for (const prefix of ['index.docker.io/', 'registry-1.docker.io/', 'docker.io/']) {
    if (ref.startsWith(prefix)) {
      ref = ref.slice(prefix.length);
      break;
    }
  }
  if (ref.startsWith('library/')) ref = ref.slice('library/'.length);
  return ref;
}

function hasTag(key: string): boolean {
  const colon = key.lastIndexOf(':');
  return colon > key.lastIndexOf('/');
}

function invalid(file: string, message: string, cause?: unknown): ContainerRuntimeError {
  return new ContainerRuntimeError('MESHLET_IMAGE_MAP_INVALID', `agent/containers: image map ${file}: ${message}`, { cause });
}

function stringRecord(file: string, image: string, field: string, value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(file, `${image}.${field} must be a mapping`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null || typeof v === 'object') throw invalid(file, `${image}.${field}.${k} must be a scalar`);
    out[k] = String(v);
  }
  return out;
}

function parseEntry(file: string, base: string, image: string, raw: unknown): ImageMapEntry {
  const value = typeof raw === 'string' ? { program: raw } : raw;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalid(file, `${image} must be a mapping with a program`);
  const v = value as Record<string, unknown>;
  if (typeof v.program !== 'string' || v.program === '') throw invalid(file, `${image}.program must be a non-empty string`);
  const entry: ImageMapEntry = { program: isAbsolute(v.program) ? v.program : resolve(base, v.program) };
  const env = stringRecord(file, image, 'env', v.env);
  if (env) entry.env = env;
  if (v.args !== undefined && v.args !== null) {
    if (!Array.isArray(v.args)) throw invalid(file, `${image}.args must be a list`);
    entry.args = v.args.map(String);
  }
  if (typeof v.workingDir === 'string') entry.workingDir = resolve(base, v.workingDir);
  if (Array.isArray(v.ports)) {
    entry.ports = v.ports.map((p) => Number(typeof p === 'object' && p !== null ? (p as { containerPort?: unknown }).containerPort : p));
    if (entry.ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw invalid(file, `${image}.ports must be port numbers`);
  }
  return entry;
}

function readImages(file: ImageMapFile): Map<string, ImageMapEntry> | undefined {
  let text: string;
  try {
    text = readFileSync(file.path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !file.required) return undefined;
    throw invalid(file.path, 'cannot be read', err);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, file.path);
  } catch (err) {
    throw invalid(file.path, `is not valid YAML (${(err as Error).message})`, err);
  }
  const out = new Map<string, ImageMapEntry>();
  if (doc === null || doc === undefined) return out;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw invalid(file.path, 'must be a mapping');
  const top = doc as Record<string, unknown>;
  const images = 'images' in top || top.kind === 'ImageMap' ? top.images : top;
  if (images === null || images === undefined) return out;
  if (typeof images !== 'object' || Array.isArray(images)) throw invalid(file.path, '`images` must be a mapping');
  const base = file.base ?? dirname(resolve(file.path));
  for (const [image, raw] of Object.entries(images as Record<string, unknown>)) {
    out.set(canonicalImage(image, true), parseEntry(file.path, base, image, raw));
  }
  return out;
}

/**
 * Loads image maps; later files override earlier ones, entry by entry. A plain
 * path is a user file (relative to its own directory, skipped when missing).
 * `userFile` — the file ImageNotMapped messages tell users to edit — is read
 * last when it is not among `files`.
 */
export function loadImageMap(files: (string | ImageMapFile)[], options: { userFile?: string } = {}): ImageMap {
  const entries = new Map<string, ImageMapEntry>();
  const loaded: string[] = [];
  const specs: ImageMapFile[] = files.map((f) => (typeof f === 'string' ? { path: f } : f));
  if (options.userFile !== undefined && !specs.some((f) => resolve(f.path) === resolve(options.userFile!))) specs.push({ path: options.userFile });
  for (const file of specs) {
    const images = readImages(file);
    if (!images) continue;
    loaded.push(resolve(file.path));
    for (const [k, v] of images) entries.set(k, v);
  }
  const sources = specs.map((f) => resolve(f.path));
  return { ...imageMapOf(entries, loaded, options.userFile, sources), reload: () => loadImageMap(specs, options) };
}

/** An image map built in code (tests, embedding). Keys are image references. */
export function imageMapFromEntries(entries: Record<string, ImageMapEntry>, userFile?: string): ImageMap {
  const map = new Map<string, ImageMapEntry>();
  for (const [k, v] of Object.entries(entries)) map.set(canonicalImage(k, true), v);
  return imageMapOf(map, [], userFile, []);
}

function imageMapOf(entries: Map<string, ImageMapEntry>, files: string[], userFile: string | undefined, sources: string[]): ImageMap {
  return {
    files,
    sources,
    ...(userFile !== undefined ? { userFile } : {}),
    size: entries.size,
    lookup(image) {
      const tagged = canonicalImage(image, true);
      if (hasTag(tagged)) {
        const exact = entries.get(tagged);
        if (exact) return exact;
      }
      return entries.get(canonicalImage(image));
    },
  };
}
