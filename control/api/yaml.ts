// The one adapter over the `yaml` package. Manifests are parsed here, once,
// at the edge; errors name the source and the line.

import { parseAllDocuments, parseDocument, stringify } from 'yaml';
import { MeshletError } from './errors.ts';

export class YamlError extends MeshletError {
  readonly source: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** What is wrong, without the location. */
  readonly reason: string;
  constructor(source: string, line: number | undefined, column: number | undefined, reason: string) {
    super('MESHLET_YAML_INVALID', `${source}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: invalid YAML: ${reason}`);
    this.source = source;
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

export interface YamlDocument {
  value: unknown;
  /** 1-based line where the document starts in its source. */
  line: number;
  /** 1-based line of a field (`spec.http[0].route[1].destination.subset`), when present. */
  locate(field: string): number | undefined;
}

/** `spec.http[0].route` → ['spec', 'http', 0, 'route'] */
export function fieldPathSegments(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = part.match(/^([^[\]]*)((?:\[\d+\])*)$/);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** Parses every document of a (multi-document) YAML text; empty documents are skipped. */
export function parseYamlDocuments(text: string, source: string): YamlDocument[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: YamlDocument[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) throw errorAt(text, source, err);
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) continue;
    // The object starts where its content does (after `---` and comments).
    const offset = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0] ?? doc.range?.[0] ?? 0;
    const lineAt = (pos: number) => text.slice(0, pos).split('\n').length;
    out.push({
      value,
      line: lineAt(offset),
      locate(field) {
        const node = doc.getIn(fieldPathSegments(field), true) as { range?: [number, number, number] } | undefined;
        return node?.range ? lineAt(node.range[0]) : undefined;
      },
    });
  }
  return out;
}

/** Parses exactly one YAML (or JSON) document. */
export function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) throw errorAt(text, source, err);
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

function errorAt(text: string, source: string, err: { pos: [number, number]; message: string }): YamlError {
  const before = text.slice(0, err.pos[0]).split('\n');
  return new YamlError(source, before.length, before[before.length - 1]!.length + 1, err.message.split('\n')[0]!);
}

export function stringifyYaml(value: unknown): string {
  return stringify(value);
}
