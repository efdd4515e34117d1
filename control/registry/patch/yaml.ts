// The one adapter over the `yaml` package for the API write path: parses a
// single YAML (or JSON, a YAML subset) document and reports errors with a line.

import { parseAllDocuments, parseDocument, stringify } from 'yaml';
import { ApiError } from '../../api/index.ts';

export function parseYamlDocument(text: string, what: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0];
    throw new ApiError('BadRequest', `${what}: invalid YAML${line ? ` at line ${line.line}, column ${line.col}` : ''}: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

export function stringifyYaml(value: unknown): string {
  return stringify(value);
}

/** Every document of a multi-document YAML stream (`---` separated); empty documents are skipped. */
export function parseAllYamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS({ maxAliasCount: 100 }) as unknown)
    .filter((v) => v !== null && v !== undefined);
}
