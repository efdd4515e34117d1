import t from 'tap';
import { CONFIG_MAPS, NAMESPACES } from '../../control/api/index.ts';
import { createRootCaPublisher, ROOT_CA_CONFIG_MAP_NAME } from '../../control/controllers/root-ca-publisher.ts';
import { newCluster } from './cluster.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

t.test('every live namespace gets kube-root-ca.crt with the CA; edits and deletions are undone', async (t) => {
  const c = await newCluster();
  t.teardown(c.close);
  await c.client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  const publisher = createRootCaPublisher({ client: c.client, caPem: PEM });
  await publisher.reconcile('team');
  const cm = (await c.client.get(CONFIG_MAPS, 'team', ROOT_CA_CONFIG_MAP_NAME))!;
  t.same(cm.data, { 'ca.crt': PEM });
  t.match(cm.metadata.annotations?.['kubernetes.io/description'], /verify the kube-apiserver/);

  const rv = cm.metadata.resourceVersion;
  await publisher.reconcile('team');
  t.equal((await c.client.get(CONFIG_MAPS, 'team', ROOT_CA_CONFIG_MAP_NAME))?.metadata.resourceVersion, rv, 'no write when it is right');

  await c.client.update(CONFIG_MAPS, { ...cm, data: { 'ca.crt': 'tampered', extra: 'x' } });
  await publisher.reconcile('team');
  t.same((await c.client.get(CONFIG_MAPS, 'team', ROOT_CA_CONFIG_MAP_NAME))?.data, { 'ca.crt': PEM }, 'an edit is put back');

  await c.client.delete(CONFIG_MAPS, 'team', ROOT_CA_CONFIG_MAP_NAME);
  await publisher.reconcile('team');
  t.ok(await c.client.get(CONFIG_MAPS, 'team', ROOT_CA_CONFIG_MAP_NAME), 'a deletion is undone');

  await publisher.reconcile('gone');
  t.notOk(await c.client.get(CONFIG_MAPS, 'gone', ROOT_CA_CONFIG_MAP_NAME), 'nothing for a namespace that does not exist');
});
