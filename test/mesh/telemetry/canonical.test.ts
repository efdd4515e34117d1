// Istio's lookup order for canonical service and revision, one label removed at a time.

import t from 'tap';
import { canonicalOf, clusterOf, DEFAULT_CLUSTER_ID } from '../../../mesh/telemetry/canonical.ts';
import { UNKNOWN_WORKLOAD } from '../../../mesh/config/identity.ts';
import type { WorkloadInfo } from '../../../mesh/config/identity.ts';

function workload(labels: Record<string, string>): WorkloadInfo {
  return { workload: 'reviews-v2', namespace: 'default', app: 'x', version: 'y', principal: 'p', labels };
}

t.test('canonical service: canonical-name, then app.kubernetes.io/name, then app, then the workload', async (t) => {
  const all = { 'service.istio.io/canonical-name': 'c', 'app.kubernetes.io/name': 'k', app: 'a' };
  t.equal(canonicalOf(workload(all)).service, 'c');
  t.equal(canonicalOf(workload({ 'app.kubernetes.io/name': 'k', app: 'a' })).service, 'k');
  t.equal(canonicalOf(workload({ app: 'a' })).service, 'a');
  t.equal(canonicalOf(workload({})).service, 'reviews-v2');
});

t.test('canonical revision: canonical-revision, then app.kubernetes.io/version, then version, then latest', async (t) => {
  const all = { 'service.istio.io/canonical-revision': 'r', 'app.kubernetes.io/version': '2.0', version: 'v2' };
  t.equal(canonicalOf(workload(all)).revision, 'r');
  t.equal(canonicalOf(workload({ 'app.kubernetes.io/version': '2.0', version: 'v2' })).revision, '2.0');
  t.equal(canonicalOf(workload({ version: 'v2' })).revision, 'v2');
  t.equal(canonicalOf(workload({})).revision, 'latest');
});

t.test('an empty label value does not count as set', async (t) => {
  t.same(canonicalOf(workload({ 'service.istio.io/canonical-name': '', app: 'a', version: '' })), { service: 'a', revision: 'latest' });
});

t.test('an unidentified peer is unknown everywhere, cluster included', async (t) => {
  t.same(canonicalOf(UNKNOWN_WORKLOAD), { service: 'unknown', revision: 'unknown' });
  t.equal(clusterOf(UNKNOWN_WORKLOAD, 'east'), 'unknown');
  t.equal(clusterOf(workload({}), 'east'), 'east');
  t.equal(DEFAULT_CLUSTER_ID, 'Kubernetes', "Istio's default cluster id");
});
