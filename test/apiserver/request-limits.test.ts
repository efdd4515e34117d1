// Oversized and malicious bodies get Kubernetes' precise errors and the
// server keeps serving: JSON or YAML nested 10,000 deep → 400 (not a 500
// stack overflow), a body over 3 MiB → 413, ConfigMap/Secret payloads over
// 1 MiB → 422 with the field, a name over 253 characters → 422 saying so.

import t from 'tap';
import type * as Tap from 'tap';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { startApiServer } from '../../control/apiserver/index.ts';
import { clientFor } from './http-client.ts';

const TOKEN = 'limits-token';
const CMS = '/api/v1/namespaces/default/configmaps';

async function setup(t: Tap.Test) {
  const registry = createRegistry({ store: new MemoryStore() });
  await registry.ensureNamespaces(['default']);
  const server = await startApiServer({ client: registry, token: TOKEN });
  t.teardown(() => server.close());
  const http = clientFor(server, TOKEN);
  t.equal((await http.call('POST', CMS, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'small' }, data: { a: '1' } } })).status, 201);
  return http;
}

const deepJson = (depth: number) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":{"a":"1"},"x":${'['.repeat(depth)}${']'.repeat(depth)}}`;

t.test('JSON and YAML nested 10,000 deep are a 400 and the server keeps serving', async (t) => {
  const http = await setup(t);
  const cases: [string, string, string, string][] = [
    ['POST json', 'POST', CMS, 'application/json'],
    ['PUT json', 'PUT', `${CMS}/small`, 'application/json'],
    ['merge patch', 'PATCH', `${CMS}/small`, 'application/merge-patch+json'],
  ];
  for (const [what, method, path, contentType] of cases) {
    const r = await http.call(method, path, { contentType, body: deepJson(10_000) });
    t.equal(r.status, 400, `${what}: ${r.text.slice(0, 200)}`);
    t.match(r.json, { kind: 'Status', reason: 'BadRequest', code: 400, message: /nested more than 1000 levels deep/ }, what);
  }
  const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nx: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
  const y = await http.call('POST', CMS, { contentType: 'application/yaml', body: yaml });
  t.equal(y.status, 400, `yaml: ${y.text.slice(0, 200)}`);
  const apply = await http.call('PATCH', `${CMS}/small?fieldManager=t`, { contentType: 'application/apply-patch+yaml', body: yaml.replace('name: deep', 'name: small') });
  t.equal(apply.status, 400, `apply: ${apply.text.slice(0, 200)}`);
  const depthInString = await http.call('POST', CMS, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'brackets' }, data: { a: '['.repeat(5000) } } });
  t.equal(depthInString.status, 201, 'brackets inside strings do not count');
  t.equal((await http.call('GET', `${CMS}/small`)).status, 200, 'still serving');
});

t.test('a body over 3 MiB is a 413', async (t) => {
  const http = await setup(t);
  const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024) } });
  const r = await http.call('POST', CMS, { body: big });
  t.equal(r.status, 413);
  t.match(r.json, { kind: 'Status', reason: 'RequestEntityTooLarge', code: 413, message: 'Request entity too large: limit is 3145728' });
  const patch = await http.call('PATCH', `${CMS}/small`, { contentType: 'application/merge-patch+json', body: big });
  t.equal(patch.status, 413, 'patches too');
  t.equal((await http.call('GET', `${CMS}/small`)).status, 200, 'still serving');
});

t.test('ConfigMap and Secret payloads over 1 MiB are a 422 naming the field', async (t) => {
  const http = await setup(t);
  const over = 'x'.repeat(1024 * 1024 + 1);
  const cm = await http.call('POST', CMS, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { a: over } } });
  t.equal(cm.status, 422, cm.text.slice(0, 200));
  // Kubernetes reports the ConfigMap total against the whole object (field path "").
  t.match(cm.json, { reason: 'Invalid', details: { causes: [{ field: '', reason: 'FieldValueTooLong', message: 'Too long: must have at most 1048576 bytes' }] } });
  const split = await http.call('POST', CMS, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'split' }, data: { a: 'x'.repeat(600_000) }, binaryData: { b: Buffer.alloc(600_000).toString('base64') } } });
  t.equal(split.status, 422, 'data and binaryData count together');
  const exact = await http.call('POST', CMS, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'exact' }, data: { a: 'x'.repeat(1024 * 1024) } } });
  t.equal(exact.status, 201, 'exactly 1 MiB is allowed');

  const secrets = '/api/v1/namespaces/default/secrets';
  const secret = await http.call('POST', secrets, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'big' }, data: { a: Buffer.from(over).toString('base64') } } });
  t.equal(secret.status, 422, secret.text.slice(0, 200));
  t.match(secret.json, { message: /^Secret "big" is invalid: data: Too long: must have at most 1048576 bytes/, details: { causes: [{ field: 'data', reason: 'FieldValueTooLong' }] } });
  const plain = await http.call('POST', secrets, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain' }, stringData: { a: over } } });
  t.equal(plain.status, 422, 'stringData counts');
  const fits = await http.call('POST', secrets, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'fits' }, data: { a: Buffer.alloc(1024 * 1024).toString('base64') } } });
  t.equal(fits.status, 201, 'a 1 MiB secret (1.33 MiB of base64) is allowed');
});

t.test('a name over 253 characters says so', async (t) => {
  const http = await setup(t);
  const name = 'a'.repeat(254);
  const r = await http.call('POST', CMS, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: {} } });
  t.equal(r.status, 422);
  t.match(r.json, { reason: 'Invalid', details: { causes: [{ field: 'metadata.name', message: `Invalid value: "${name}": must be no more than 253 characters` }] } });
  t.equal((r.json['details'] as { causes: unknown[] }).causes.length, 1, 'a valid-looking long name has only the length cause');
  t.equal((await http.call('POST', CMS, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a'.repeat(253) }, data: {} } })).status, 201, '253 is fine');
  const svc = await http.call('POST', '/api/v1/namespaces/default/services', { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's'.repeat(64) }, spec: { ports: [{ port: 80 }] } } });
  t.match(svc.json, { details: { causes: [{ field: 'metadata.name', message: /must be no more than 63 characters/ }] } });
});
