// Every container image in Istio's samples and meshlet's own examples either carries a
// command or maps to a program that exists, so those manifests run unchanged.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { loadImageMap, normalizeImage } from './image-map.ts';
import { REPO_ROOT } from './program-process.ts';
import { ISTIO_SAMPLES, REFERENCE_ROOT } from '../helpers/reference.ts';


interface ContainerLike { name: string; image?: string; command?: string[] }

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

function containersIn(file: string): { where: string; container: ContainerLike }[] {
  const found: { where: string; container: ContainerLike }[] = [];
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const obj = doc.toJS() as { kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> } | null;
    if (!obj?.spec) continue;
    const podSpec = (obj.kind === 'Pod' ? obj.spec : (obj.spec.template as { spec?: Record<string, unknown> } | undefined)?.spec) as
      | { containers?: ContainerLike[]; initContainers?: ContainerLike[] }
      | undefined;
    for (const container of [...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])]) {
      found.push({ where: `${file.slice(REPO_ROOT.length - 4)} ${obj.kind}/${obj.metadata?.name}`, container });
    }
  }
  return found;
}

const imageMap = loadImageMap();

void t.test('normalizeImage follows the rules in images.yaml', async (t) => {
  const table: [string, string][] = [
    ['registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3', 'registry.istio.io/release/examples-bookinfo-reviews-v2'],
    ['docker.io/istio/examples-bookinfo-details-v1:1.20.3', 'docker.io/istio/examples-bookinfo-details-v1'],
    ['istio/examples-bookinfo-details-v1', 'docker.io/istio/examples-bookinfo-details-v1'],
    ['redis:alpine', 'docker.io/redis'],
    ['docker.io/library/redis:7', 'docker.io/redis'],
    ['index.docker.io/mccutchen/go-httpbin@sha256:abcdef0123', 'docker.io/mccutchen/go-httpbin'],
    ['localhost:5000/team/app:dev', 'localhost:5000/team/app'],
  ];
  for (const [input, expected] of table) t.equal(normalizeImage(input), expected, input);
});

void t.test('every program in images.yaml exists', async (t) => {
  t.ok(imageMap.size >= 20, `${imageMap.size} images mapped`);
  for (const [image, entry] of imageMap) {
    t.ok(existsSync(resolve(REPO_ROOT, entry.program)), `${image} → ${entry.program}`);
    for (const value of Object.values(entry.env ?? {})) t.type(value, 'string', `${image} env values are strings`);
  }
});

for (const [label, dir] of [['Istio samples', ISTIO_SAMPLES], ['meshlet examples', resolve(REPO_ROOT, 'examples')]] as const) {
  void t.test(`every container in the ${label} has a command or a mapped image`, async (t) => {
    t.ok(existsSync(dir), `${dir} exists`);
    const containers = yamlFiles(dir).flatMap(containersIn);
    t.ok(containers.length > 0, `${containers.length} containers found`);
    for (const { where, container } of containers) {
      const mapped = container.image !== undefined && imageMap.has(normalizeImage(container.image));
      t.ok(container.command !== undefined || mapped, `${where} container ${container.name} (${container.image})`);
    }
  });
}

void t.test('the StatefulSet tutorial\'s nginx-slim maps to the static file server on :80', async (t) => {
  const containers = containersIn(join(REFERENCE_ROOT, 'kubernetes-examples', 'statefulset-web.yaml'));
  t.equal(containers.length, 1);
  for (const { container } of containers) t.same(imageMap.get(normalizeImage(container.image ?? '')), { program: 'examples/nginx/server.mjs', ports: [80] }, container.image ?? container.name);
});

void t.test('the Bookinfo images map to the programs and versions the real images have', async (t) => {
  const table: [string, string, Record<string, string>][] = [
    ['registry.istio.io/release/examples-bookinfo-productpage-v1:1.20.3', 'examples/bookinfo/productpage/server.mjs', {}],
    ['docker.io/istio/examples-bookinfo-reviews-v1:1.20.3', 'examples/bookinfo/reviews/server.mjs', { ENABLE_RATINGS: 'false' }],
    ['registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3', 'examples/bookinfo/reviews/server.mjs', { ENABLE_RATINGS: 'true', STAR_COLOR: 'black' }],
    ['registry.istio.io/release/examples-bookinfo-reviews-v3:1.20.3', 'examples/bookinfo/reviews/server.mjs', { ENABLE_RATINGS: 'true', STAR_COLOR: 'red' }],
    ['registry.istio.io/release/examples-helloworld-v2:1.0', 'examples/helloworld/server.mjs', { SERVICE_VERSION: 'v2' }],
    ['docker.io/mccutchen/go-httpbin:v2.15.0', 'examples/httpbin/server.mjs', { PORT: '8080' }],
  ];
  for (const [image, program, env] of table) {
    const entry = imageMap.get(normalizeImage(image));
    t.equal(entry?.program, program, image);
    t.match(entry?.env ?? {}, env, `${image} env`);
  }
});
