// Reads manifests from files and directories (as `kubectl apply -f` does):
// .yaml/.yml/.json files, multi-document YAML, and `kind: List` flattened.
// Each object remembers where it came from, for error messages and analyze.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { MeshletError, parseYamlDocuments } from '../api/index.ts';
import type { ObjectInput } from '../api/index.ts';

export interface SourcedObject {
  object: ObjectInput;
  file: string;
  line: number;
  /** Line of a field inside this object's document (for findings and errors). */
  locate?: (field: string) => number | undefined;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export function manifestFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new MeshletError('MESHLET_MANIFEST_NOT_FOUND', `the path "${path}" does not exist`);
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (MANIFEST_EXTENSIONS.has(extname(entry))) files.push(join(path, entry));
      }
    } else {
      files.push(path);
    }
  }
  return files;
}

export function parseManifestText(text: string, source: string): SourcedObject[] {
  const out: SourcedObject[] = [];
  for (const doc of parseYamlDocuments(text, source)) {
    const value = doc.value as Partial<ObjectInput> & { items?: unknown[] };
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new MeshletError('MESHLET_MANIFEST_INVALID', `${source}:${doc.line}: expected an object with apiVersion and kind`);
    }
    const objects = value.kind === 'List' || (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items))
      ? (value.items ?? [])
      : [value];
    const single = objects.length === 1;
    for (const obj of objects) {
      const o = obj as Partial<ObjectInput>;
      if (!o || typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
        throw new MeshletError('MESHLET_MANIFEST_INVALID', `${source}:${doc.line}: object is missing apiVersion or kind`);
      }
      out.push({ object: { ...o, metadata: o.metadata ?? {} } as ObjectInput, file: source, line: doc.line, ...(single ? { locate: doc.locate } : {}) });
    }
  }
  return out;
}

export function loadManifests(paths: readonly string[]): SourcedObject[] {
  return manifestFiles(paths).flatMap((file) => parseManifestText(readFileSync(file, 'utf8'), file));
}
