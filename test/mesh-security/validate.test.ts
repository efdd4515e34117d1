import t from 'tap';
import { validateAuthorizationPolicy } from '../../mesh/security/index.ts';

interface Row {
  name: string;
  spec: unknown;
  /** Expected `field: reason` of each cause, in order; [] for a valid policy. */
  causes: string[];
}

const rows: Row[] = [
  { name: 'empty spec (allow-nothing) is valid', spec: {}, causes: [] },
  { name: 'deny-all is valid', spec: { action: 'DENY', rules: [{}] }, causes: [] },
  {
    name: 'a full rule is valid',
    spec: {
      selector: { matchLabels: { app: 'reviews' } },
      rules: [{
        from: [{ source: { principals: ['cluster.local/ns/default/sa/*'], notNamespaces: ['x'], ipBlocks: ['10.0.0.0/8', '::1'] } }],
        to: [{ operation: { hosts: ['*.example.com'], ports: ['9080'], methods: ['GET'], paths: ['/api/*', '/v1/{*}/items/{**}'] } }],
        when: [{ key: 'request.headers[x-user]', values: ['jason'] }, { key: 'request.auth.claims[iss]', values: ['x'] }, { key: 'destination.port', notValues: ['15021'] }],
      }],
    },
    causes: [],
  },
  { name: 'unknown action', spec: { action: 'PERMIT' }, causes: ['spec.action: FieldValueNotSupported'] },
  { name: 'CUSTOM without provider', spec: { action: 'CUSTOM', rules: [{}] }, causes: ['spec.provider.name: FieldValueRequired'] },
  { name: 'provider without CUSTOM', spec: { action: 'ALLOW', provider: { name: 'opa' } }, causes: ['spec.provider: FieldValueInvalid'] },
  { name: 'selector and targetRef', spec: { selector: { matchLabels: { a: 'b' } }, targetRef: { kind: 'Service', name: 's' } }, causes: ['spec.selector: FieldValueInvalid'] },
  { name: 'targetRef without name', spec: { targetRefs: [{ kind: 'Service' }] }, causes: ['spec.targetRefs[0].name: FieldValueRequired'] },
  { name: 'path with * in the middle', spec: { rules: [{ to: [{ operation: { paths: ['/ok', '/api/*/items'] } }] }] }, causes: ['spec.rules[0].to[0].operation.paths[1]: FieldValueInvalid'] },
  { name: '{**} not last', spec: { rules: [{ to: [{ operation: { notPaths: ['/a/{**}/b'] } }] }] }, causes: ['spec.rules[0].to[0].operation.notPaths[0]: FieldValueInvalid'] },
  { name: 'principal with * in the middle', spec: { rules: [{ from: [{ source: { principals: ['cluster.local/ns/*/sa/x'] } }] }] }, causes: ['spec.rules[0].from[0].source.principals[0]: FieldValueInvalid'] },
  { name: 'bad port', spec: { rules: [{ to: [{ operation: { ports: ['http'] } }] }] }, causes: ['spec.rules[0].to[0].operation.ports[0]: FieldValueInvalid'] },
  { name: 'port out of range', spec: { rules: [{ to: [{ operation: { notPorts: ['70000'] } }] }] }, causes: ['spec.rules[0].to[0].operation.notPorts[0]: FieldValueInvalid'] },
  { name: 'bad CIDR', spec: { rules: [{ from: [{ source: { notIpBlocks: ['10.0.0.0/33'] } }] }] }, causes: ['spec.rules[0].from[0].source.notIpBlocks[0]: FieldValueInvalid'] },
  { name: 'from without source', spec: { rules: [{ from: [{}] }] }, causes: ['spec.rules[0].from[0].source: FieldValueRequired'] },
  { name: 'empty source', spec: { rules: [{ from: [{ source: {} }] }] }, causes: ['spec.rules[0].from[0].source: FieldValueInvalid'] },
  { name: 'empty operation', spec: { rules: [{ to: [{ operation: {} }] }] }, causes: ['spec.rules[0].to[0].operation: FieldValueInvalid'] },
  { name: 'when without key', spec: { rules: [{ when: [{ values: ['a'] }] }] }, causes: ['spec.rules[0].when[0].key: FieldValueRequired'] },
  { name: 'when unknown key', spec: { rules: [{ when: [{ key: 'request.colour', values: ['a'] }] }] }, causes: ['spec.rules[0].when[0].key: FieldValueInvalid'] },
  { name: 'when without values', spec: { rules: [{ when: [{ key: 'source.ip' }] }] }, causes: ['spec.rules[0].when[0]: FieldValueRequired'] },
  { name: 'when source.ip not an address', spec: { rules: [{ when: [{ key: 'source.ip', values: ['nope'] }] }] }, causes: ['spec.rules[0].when[0].values[0]: FieldValueInvalid'] },
  { name: 'when destination.port not a port', spec: { rules: [{ when: [{ key: 'destination.port', notValues: ['0'] }] }] }, causes: ['spec.rules[0].when[0].notValues[0]: FieldValueInvalid'] },
  { name: 'rules not a list', spec: { rules: {} }, causes: ['spec.rules: FieldValueInvalid'] },
  { name: 'values not strings', spec: { rules: [{ to: [{ operation: { methods: [1] } }] }] }, causes: ['spec.rules[0].to[0].operation.methods: FieldValueInvalid'] },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    const causes = validateAuthorizationPolicy({ spec: row.spec });
    t.same(causes.map((c) => `${c.field}: ${c.reason}`), row.causes, causes.map((c) => c.message).join('; '));
    for (const c of causes) t.ok(c.message.length > 0, 'each cause says why');
  });
}
