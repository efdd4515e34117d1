// The one adapter over the `yaml` package. Manifests are parsed here, once,
// at the edge; errors name the source and the line.

import { parseAllDocuments, parseDocument, stringify } from 'yaml';
import { MeshletError } from './errors.ts';

export class YamlError extends MeshletError {
  readonly source: string;
  readonly line: number | undefined;
  constructor(source: string, line: number | undefined, column: number | undefined, reason: string) {
    super('MESHLET_YAML_INVALID', `${source}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: invalid YAML: ${reason}`);
    this.source = source;
    this.line = line;
  }
}

export interface YamlDocument {
  value: unknown;
  /** 1-based line where the document starts in its source. */
  line: number;
}

/** Parses every document of a (multi-document) YAML text; empty documents are skipped. */
export function parseYamlDocuments(text: string, source: string): YamlDocument[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: YamlDocument[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      throw new YamlError(source, pos?.line, pos?.col, err.message.split('\n')[0]!);
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) continue;
    const offset = doc.range?.[0] ?? 0;
    out.push({ value, line: text.slice(0, offset).split('\n').length });
  }
  return out;
}

/** Parses exactly one YAML (or JSON) document. */
export function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    throw new YamlError(source, pos?.line, pos?.col, err.message.split('\n')[0]!);
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

export function stringifyYaml(value: unknown): string {
  return stringify(value);
}
