// OpenAPI v3 schemas (with descriptions) for the built-in kinds, read from
// the declaration files kubernetes-models and @kubernetes-models/istio ship
// beside the validators they validate with: each `.d.ts` is generated from
// the official OpenAPI document, one interface per definition, each member
// carrying its description as JSDoc. Reading them back gives `kubectl
// explain` the official field docs without a second copy of the spec.
// Files are read lazily, per kind, and cached.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import type { ResourceType } from '../api/index.ts';
import { schemaVersion } from '../registry/validation/schema-models.ts';

export type OpenApiSchema = Record<string, unknown>;

const require = createRequire(import.meta.url);

interface Member {
  name: string;
  optional: boolean;
  type: string;
  description?: string;
}

interface Declaration {
  /** Component name, e.g. io.k8s.api.core.v1.PodSpec. */
  name: string;
  description?: string;
  members?: Member[];
  /** A type alias (`type IQuantity = number | string`). */
  alias?: string;
  imports: Map<string, string>;
  file: string;
}

const declarations = new Map<string, Declaration | null>();

/** Readable component names from a declaration file's place in its package. */
function componentName(file: string): string {
  const parts = file.split(sep);
  const at = parts.lastIndexOf('node_modules');
  const pkg = parts[at + 1]!.startsWith('@') ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1]!;
  const rest = parts.slice(at + (pkg.includes('/') ? 3 : 2)).join('/').replace(/\.d\.ts$/, '').split('/');
  if (pkg === 'kubernetes-models') {
    const [group, ...tail] = rest.length === 2 ? ['core', ...rest] : rest;
    return ['io.k8s.api', group!.replace(/\.k8s\.io$/, ''), ...tail].join('.');
  }
  if (pkg === '@kubernetes-models/apimachinery') return ['io.k8s.apimachinery.pkg', ...rest].join('.');
  if (pkg === '@kubernetes-models/istio') return ['io.istio', ...rest].join('.');
  return [pkg.replace(/[@/]/g, '.'), ...rest].join('.');
}

function docText(comment: string): string {
  return comment
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/** Reads a type up to the `;` that ends it, minding nested braces and angle brackets. */
function readType(text: string, start: number): { type: string; end: number } {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      i = text.indexOf('"', i + 1);
      continue;
    }
    if (ch === '{' || ch === '<' || ch === '(') depth++;
    else if (ch === '}' || ch === '>' || ch === ')') depth--;
    else if (ch === ';' && depth === 0) return { type: text.slice(start, i).trim(), end: i + 1 };
  }
  return { type: text.slice(start).trim(), end: text.length };
}

function parseMembers(body: string): Member[] {
  const members: Member[] = [];
  let pending: string | undefined;
  const pattern = /\/\*\*[\s\S]*?\*\/|"([^"]+)"(\?)?\s*:/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(body))) {
    if (match[0].startsWith('/**')) {
      pending = docText(match[0]);
      continue;
    }
    const { type, end } = readType(body, match.index + match[0].length);
    members.push({ name: match[1]!, optional: match[2] === '?', type, ...(pending ? { description: pending } : {}) });
    pending = undefined;
    pattern.lastIndex = end;
  }
  return members;
}

function interfaceBody(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

function readDeclaration(file: string): Declaration | null {
  let declaration = declarations.get(file);
  if (declaration !== undefined) return declaration;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    declarations.set(file, null);
    return null;
  }
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
    for (const id of m[1]!.split(',').map((s) => s.trim())) imports.set(id, m[2]!);
  }
  const name = componentName(file);
  const iface = /(\/\*\*[\s\S]*?\*\/\s*)?export interface \w+(?: extends [\w, ]+)? \{/.exec(text);
  if (iface) {
    const description = iface[1] ? docText(iface[1].trim()) : undefined;
    declaration = { name, imports, file, members: parseMembers(interfaceBody(text, iface.index + iface[0].length - 1)), ...(description ? { description } : {}) };
  } else {
    const alias = /(\/\*\*[\s\S]*?\*\/\s*)?export declare type \w+ = ([^;]+);/.exec(text);
    const description = alias?.[1] ? docText(alias[1].trim()) : undefined;
    declaration = alias ? { name, imports, file, alias: alias[2]!.trim(), ...(description ? { description } : {}) } : null;
  }
  declarations.set(file, declaration);
  return declaration;
}

function resolveImport(from: Declaration, id: string): string | undefined {
  const spec = from.imports.get(id);
  if (!spec) return undefined;
  if (spec.startsWith('.')) return join(dirname(from.file), `${spec}.d.ts`);
  try {
    return require.resolve(spec, { paths: [dirname(from.file)] }).replace(/\.js$/, '.d.ts');
  } catch {
    return undefined;
  }
}

/** Turns a member's TypeScript type into a schema, adding referenced components to `out`. */
function typeSchema(type: string, from: Declaration, out: Record<string, OpenApiSchema>): OpenApiSchema {
  const t = type.trim();
  if (t === 'string') return { type: 'string' };
  if (t === 'number') return { type: 'number' };
  if (t === 'boolean') return { type: 'boolean' };
  if (t === 'any' || t === 'unknown' || t === 'object' || t === '{}') return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const array = /^Array<([\s\S]+)>$/.exec(t);
  if (array) return { type: 'array', items: typeSchema(array[1]!, from, out) };
  const map = /^\{\s*\[key: string\]: ([\s\S]+?);?\s*\}$/.exec(t);
  if (map) return { type: 'object', additionalProperties: typeSchema(map[1]!, from, out) };
  if (/^"[^"]*"(\s*\|\s*"[^"]*")*$/.test(t)) return { type: 'string', enum: [...t.matchAll(/"([^"]*)"/g)].map((m) => m[1]) };
  if (t.includes('|')) {
    const parts = t.split('|').map((p) => p.trim());
    if (parts.includes('string') && parts.includes('number')) return { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true };
    return parts.includes('string') ? { type: 'string' } : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
  if (t.startsWith('{')) return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const file = resolveImport(from, t);
  const target = file ? addComponent(file, out) : undefined;
  return target ? { allOf: [{ $ref: `#/components/schemas/${target}` }] } : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
}

/** Adds the component a declaration file defines (and everything it references); returns its name. */
function addComponent(file: string, out: Record<string, OpenApiSchema>): string | undefined {
  const declaration = readDeclaration(file);
  if (!declaration) return undefined;
  if (out[declaration.name]) return declaration.name;
  if (declaration.alias !== undefined) {
    out[declaration.name] = { ...typeSchema(declaration.alias, declaration, out), ...(declaration.description ? { description: declaration.description } : {}) };
    return declaration.name;
  }
  const schema: OpenApiSchema = { type: 'object', ...(declaration.description ? { description: declaration.description } : {}) };
  out[declaration.name] = schema; // placed first: recursive types (JSONSchemaProps) refer back to it
  const properties: Record<string, OpenApiSchema> = {};
  const required: string[] = [];
  for (const m of declaration.members ?? []) {
    const literal = /^"([^"]*)"$/.exec(m.type);
    const sub = literal ? { type: 'string' } : typeSchema(m.type, declaration, out);
    properties[m.name] = { ...sub, ...(m.description ? { description: m.description } : {}) };
    if (!m.optional && !literal) required.push(m.name);
  }
  schema['properties'] = properties;
  if (required.length) schema['required'] = required;
  return declaration.name;
}

function declarationFile(type: ResourceType, version: string): string | undefined {
  const v = schemaVersion(type, version);
  const spec =
    type.group === '' ? `kubernetes-models/${v}/${type.kind}` : type.group.endsWith('.istio.io') ? `@kubernetes-models/istio/${type.group}/${v}/${type.kind}` : `kubernetes-models/${type.group}/${v}/${type.kind}`;
  try {
    return require.resolve(spec).replace(/\.js$/, '.d.ts');
  } catch {
    return undefined;
  }
}

/** The kind's schema and every component it references; undefined when no model ships one. */
export function modelSchemas(type: ResourceType, version: string): { root: string; schemas: Record<string, OpenApiSchema> } | undefined {
  const file = declarationFile(type, version);
  if (!file) return undefined;
  const schemas: Record<string, OpenApiSchema> = {};
  const root = addComponent(file, schemas);
  return root ? { root, schemas } : undefined;
}

/** ObjectMeta and what it references, for the schemas of CRD-defined kinds. */
export function objectMetaSchemas(): { root: string; schemas: Record<string, OpenApiSchema> } | undefined {
  let file: string;
  try {
    const models = dirname(require.resolve('kubernetes-models/package.json'));
    file = require.resolve('@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta', { paths: [models] }).replace(/\.js$/, '.d.ts');
  } catch {
    return undefined;
  }
  const schemas: Record<string, OpenApiSchema> = {};
  const root = addComponent(file, schemas);
  return root ? { root, schemas } : undefined;
}
