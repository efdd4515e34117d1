// kubectl downloads /openapi/v2 only as protobuf (gnostic's openapi_v2.Document)
// and needs it when a manifest names a kind the server does not serve: its
// schema check must pass so the user sees "no matches for kind". meshlet's
// kinds are described by /openapi/v3; this v2 document carries only
// `swagger` (1) and `info` (2: title 1, version 2), so v2 lookups find
// nothing and kubectl skips client-side checks, as for a schema-less kind.

/** What kubectl asks for (Accept). */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** What the Kubernetes API server answers with: Go's mime parser rejects the '@' form. */
export const OPENAPI_V2_PROTOBUF_RESPONSE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

function lengthDelimited(field: number, payload: Buffer): Buffer {
  const len: number[] = [];
  let n = payload.length;
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...len]), payload]);
}

export function minimalOpenApiV2Protobuf(version: string): Buffer {
  const info = Buffer.concat([lengthDelimited(1, Buffer.from('Kubernetes')), lengthDelimited(2, Buffer.from(version))]);
  return Buffer.concat([lengthDelimited(1, Buffer.from('2.0')), lengthDelimited(2, info)]);
}

export function wantsOpenApiV2Protobuf(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.split(';')[0]!.trim() === OPENAPI_V2_PROTOBUF);
}
