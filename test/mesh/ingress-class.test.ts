// The ingress gateway serves the Ingresses of its class only: `istio` (by
// spec.ingressClassName or the legacy kubernetes.io/ingress.class annotation)
// and Ingresses of no class, as Istio's default controller mode does; an
// Ingress of another class (nginx) contributes no virtual host.

import t from 'tap';
import { compileProxyConfig, DEFAULT_GATEWAY_IDENTITY, meshInputsFromObjects } from '../../mesh/index.ts';
import { fromYaml, pod, service } from './fixtures.ts';

const ingress = (name: string, host: string, classPart: string) => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name}${classPart.startsWith('annotation:') ? `, annotations: { kubernetes.io/ingress.class: ${classPart.slice('annotation:'.length)} }` : ''} }
spec:
  ${classPart && !classPart.startsWith('annotation:') ? `ingressClassName: ${classPart}` : ''}
  rules:
  - host: ${host}
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] }
`;

t.test('only Ingresses of the istio class, or of none, are served', async (t) => {
  const objects = [
    pod('web-abc12-xyz12', '127.250.39.11', { app: 'web' }, { ports: [80], meshed: false }),
    service('web', { app: 'web' }, [{ port: 80 }]),
    ...fromYaml([
      ingress('ours', 'ours.example', 'istio'),
      ingress('legacy', 'legacy.example', 'annotation:istio'),
      ingress('classless', 'classless.example', ''),
      ingress('theirs', 'theirs.example', 'nginx'),
      ingress('theirs-legacy', 'theirs-legacy.example', 'annotation:nginx'),
    ].join('---\n')),
  ];
  const table = compileProxyConfig(meshInputsFromObjects(objects), DEFAULT_GATEWAY_IDENTITY);
  const domains = table.gatewayHosts.map((h) => h.domain).sort();
  t.same(domains, ['classless.example', 'legacy.example', 'ours.example']);
});
