// RFC 6902 JSON Patch (application/json-patch+json): add, remove, replace,
// move, copy and test over RFC 6901 pointers. Operations apply to a copy in
// order; any failure rejects the whole patch with a BadRequest naming the op.

import { ApiError } from '../../api/index.ts';
import { deepEqual } from './values.ts';

type Container = Record<string, unknown> | unknown[];

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/**
 * An operation that cannot be applied is a 422, as kube-apiserver answers for a failed
 * `test` (the usual resourceVersion precondition) or a missing path; a body that is not
 * a list of operations at all stays a 400.
 */
function fail(index: number, op: Operation | undefined, why: string): never {
  const what = op ? `${op.op} operation at ${JSON.stringify(op.path)}` : 'operation';
  throw new ApiError('Invalid', `registry/patch: json patch ${what} (index ${index}): ${why}`);
}

function parsePointer(pointer: string, index: number, op: Operation): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) fail(index, op, `path ${JSON.stringify(pointer)} must start with "/"`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isContainer(v: unknown): v is Container {
  return v !== null && typeof v === 'object';
}

function arrayIndex(arr: unknown[], token: string, forInsert: boolean, index: number, op: Operation): number {
  if (forInsert && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) fail(index, op, `array index ${JSON.stringify(token)} is not a number`);
  const i = Number(token);
  const max = forInsert ? arr.length : arr.length - 1;
  if (i > max) fail(index, op, `array index ${i} is out of range (length ${arr.length})`);
  return i;
}

function parentOf(doc: unknown, tokens: string[], index: number, op: Operation): Container {
  let node: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[arrayIndex(node, token, false, index, op)];
    else if (isContainer(node) && Object.prototype.hasOwnProperty.call(node, token)) node = (node as Record<string, unknown>)[token];
    else fail(index, op, `path segment ${JSON.stringify(token)} does not exist`);
  }
  if (!isContainer(node)) fail(index, op, 'parent is not an object or array');
  return node;
}

function getAt(doc: unknown, tokens: string[], index: number, op: Operation): unknown {
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens, index, op);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) return parent[arrayIndex(parent, last, false, index, op)];
  if (!Object.prototype.hasOwnProperty.call(parent, last)) fail(index, op, `path ${JSON.stringify(op.path)} does not exist`);
  return parent[last];
}

function addAt(doc: unknown, tokens: string[], value: unknown, index: number, op: Operation): unknown {
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, index, op);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, index, op), 0, value);
  else parent[last] = value;
  return doc;
}

function removeAt(doc: unknown, tokens: string[], index: number, op: Operation): unknown {
  if (tokens.length === 0) fail(index, op, 'cannot remove the whole document');
  const parent = parentOf(doc, tokens, index, op);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false, index, op), 1);
  else if (Object.prototype.hasOwnProperty.call(parent, last)) delete parent[last];
  else fail(index, op, `path ${JSON.stringify(op.path)} does not exist`);
  return doc;
}

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new ApiError('BadRequest', 'registry/patch: a json patch must be a JSON array of operations');
  let doc = structuredClone(target);
  patch.forEach((raw, index) => {
    if (!isContainer(raw) || Array.isArray(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') {
      fail(index, undefined, 'each operation needs string "op" and "path" members');
    }
    const op = raw as unknown as Operation;
    const tokens = parsePointer(op.path, index, op);
    const needsValue = op.op === 'add' || op.op === 'replace' || op.op === 'test';
    if (needsValue && !('value' in raw)) fail(index, op, 'missing "value"');
    switch (op.op) {
      case 'add':
        doc = addAt(doc, tokens, structuredClone(op.value), index, op);
        break;
      case 'remove':
        doc = removeAt(doc, tokens, index, op);
        break;
      case 'replace':
        getAt(doc, tokens, index, op);
        doc = tokens.length === 0 ? structuredClone(op.value) : addAt(removeAt(doc, tokens, index, op), tokens, structuredClone(op.value), index, op);
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string') fail(index, op, 'missing "from"');
        const fromTokens = parsePointer(op.from, index, op);
        if (op.op === 'move' && op.path.startsWith(`${op.from}/`)) fail(index, op, 'cannot move a value into one of its children');
        const value = structuredClone(getAt(doc, fromTokens, index, op));
        if (op.op === 'move') doc = removeAt(doc, fromTokens, index, op);
        doc = addAt(doc, tokens, value, index, op);
        break;
      }
      case 'test':
        if (!deepEqual(getAt(doc, tokens, index, op), op.value)) fail(index, op, 'test failed: value differs');
        break;
      default:
        fail(index, op, `unknown op ${JSON.stringify(op.op)}`);
    }
  });
  return doc;
}
