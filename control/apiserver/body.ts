// Reads and decodes request bodies: JSON, YAML and the patch media types.

import type { IncomingMessage } from 'node:http';
import type { PatchType } from '../api/index.ts';
import { ApiError } from '../api/index.ts';
import { parseYamlDocument } from '../registry/patch/index.ts';
import { decodeProtobufObject } from './protobuf/index.ts';
import { checkJsonDepth, checkValueDepth, nestingTooDeep } from './json-depth.ts';

/** kube-apiserver's --max-request-body-bytes default for writes: 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // An oversized body is read to its end and discarded (not kept), so the client gets the 413 rather than a reset.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) throw new ApiError('RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY_BYTES}`);
  return Buffer.concat(chunks);
}

function parseJson(text: string, what: string): unknown {
  checkJsonDepth(text, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError('BadRequest', `apiserver: ${what} is not valid JSON: ${(err as Error).message}`);
  }
}

function parseYaml(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = parseYamlDocument(text, `apiserver: ${what}`);
  } catch (err) {
    // The YAML parser recurses per level; running out of stack means the document is too deep.
    if (err instanceof RangeError) throw nestingTooDeep(what);
    throw err;
  }
  checkValueDepth(value, what);
  return value;
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
}

export function decodeObjectBody(req: IncomingMessage, raw: Buffer): unknown {
  const type = mediaType(req);
  if (raw.length === 0) throw new ApiError('BadRequest', 'apiserver: request body is empty');
  if (type === 'application/vnd.kubernetes.protobuf') return decodeProtobufObject(raw);
  const text = raw.toString('utf8');
  if (text.trim() === '') throw new ApiError('BadRequest', 'apiserver: request body is empty');
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') return parseYaml(text, 'request body');
  if (type !== 'application/json' && type !== '*/*') {
    throw new ApiError('UnsupportedMediaType', `apiserver: the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${type})`);
  }
  return parseJson(text, 'request body');
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export function decodePatchBody(req: IncomingMessage, raw: Buffer): { patchType: PatchType; patch: unknown } {
  const type = mediaType(req);
  const patchType = PATCH_TYPES[type];
  if (!patchType || type === 'application/apply-patch+cbor') {
    throw new ApiError(
      'UnsupportedMediaType',
      `apiserver: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${type})`,
    );
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') throw new ApiError('BadRequest', 'apiserver: patch body is empty');
  if (patchType === 'apply') return { patchType, patch: parseYaml(text, 'apply patch') };
  return { patchType, patch: parseJson(text, `${patchType} patch body`) };
}
