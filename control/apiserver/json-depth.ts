// Nesting depth of a request body, measured on the text before it is parsed.
// JSON.parse itself copes with deep input, but everything after it (clone,
// defaulting, validation, patching, serialising) walks objects recursively
// and would overflow the stack — a 500 for what is a bad request. Go's
// encoding/json stops at 10000 levels; real objects stay far below 100, and
// our walkers stay safe below this limit.

import { ApiError } from '../api/index.ts';

export const MAX_NESTING_DEPTH = 1000;

export function nestingTooDeep(what: string): ApiError {
  return new ApiError('BadRequest', `apiserver: ${what} is nested more than ${MAX_NESTING_DEPTH} levels deep`);
}

/** Throws 400 when the JSON text opens more than MAX_NESTING_DEPTH arrays/objects at once. */
export function checkJsonDepth(text: string, what: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_NESTING_DEPTH) throw nestingTooDeep(what);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** The same limit for a value already parsed (YAML), walked without recursion. */
export function checkValueDepth(value: unknown, what: string): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_NESTING_DEPTH) throw nestingTooDeep(what);
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
}
