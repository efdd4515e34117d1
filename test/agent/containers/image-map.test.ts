import t from 'tap';
import { chmodSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { builtinImageMapFile, canonicalImage, ContainerRuntimeError, imageMapFromEntries, loadImageMap } from '../../../control/agent/containers/index.ts';
import { REPO_ROOT } from '../../../control/agent/containers/image-map.ts';
import { expandVariables, resolveContainerCommand } from '../../../control/agent/containers/command-resolution.ts';
import { tempRunDir } from './helpers.ts';

t.test('canonicalImage drops tag, digest and Docker Hub prefixes', async (t) => {
  const cases: [string, string][] = [
    ['nginx', 'nginx'],
    ['nginx:1.27', 'nginx'],
    ['docker.io/library/nginx:1.27', 'nginx'],
    ['library/nginx', 'nginx'],
    ['index.docker.io/library/nginx', 'nginx'],
    ['docker.io/istio/examples-bookinfo-productpage-v1:1.20.3', 'istio/examples-bookinfo-productpage-v1'],
    ['Docker.io/Istio/X@sha256:abcdef', 'istio/x'],
    ['registry.istio.io/release/examples-bookinfo-details-v1:1.20.3', 'registry.istio.io/release/examples-bookinfo-details-v1'],
    ['localhost:5000/app:dev', 'localhost:5000/app'],
    ['localhost:5000/app', 'localhost:5000/app'],
  ];
  for (const [input, want] of cases) t.equal(canonicalImage(input), want, input);
  t.equal(canonicalImage('docker.io/redis:7', true), 'redis:7');
});

t.test('the built-in map resolves the Bookinfo images to programs under the repository root', async (t) => {
  const map = loadImageMap([builtinImageMapFile()]);
  for (const image of [
    'docker.io/istio/examples-bookinfo-productpage-v1:1.20.3',
    'istio/examples-bookinfo-productpage-v1',
    'registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3',
  ]) {
    const entry = map.lookup(image);
    t.ok(entry, image);
    t.ok(entry!.program.startsWith(`${REPO_ROOT}/examples/bookinfo/`), `${image} → ${entry?.program}`);
  }
  t.equal(map.lookup('docker.io/istio/examples-bookinfo-reviews-v3')?.env?.STAR_COLOR, 'red');
  t.equal(map.lookup('redis:7.2')?.program, join(REPO_ROOT, 'examples/redis/server.mjs'), 'redis:7.2 hits docker.io/redis');
  t.equal(map.lookup('docker.io/library/nginx'), undefined);
});

t.test('user files resolve relative to their own directory and override earlier files', async (t) => {
  const dir = tempRunDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const user = join(dir, 'images.yaml');
  writeFileSync(
    user,
    [
      'images:',
      '  docker.io/istio/examples-bookinfo-ratings-v1:',
      '    program: ./ratings.mjs',
      '    env: { SERVICE_VERSION: mine, PORT: 9090 }',
      '  nginx: bin/nginx-standin',
      '  nginx:1.0: { program: /opt/old-nginx, args: [a, 1] }',
    ].join('\n'),
  );
  const map = loadImageMap([builtinImageMapFile(), user, join(dir, 'missing.yaml')], { userFile: user });
  t.same(map.files, [builtinImageMapFile().path, user], 'a missing user file is skipped');
  t.equal(map.userFile, user);
  t.same(map.lookup('istio/examples-bookinfo-ratings-v1:1.20.3'), { program: join(dir, 'ratings.mjs'), env: { SERVICE_VERSION: 'mine', PORT: '9090' } });
  t.equal(map.lookup('nginx:1.27')?.program, join(dir, 'bin/nginx-standin'));
  t.same(map.lookup('docker.io/library/nginx:1.0'), { program: '/opt/old-nginx', args: ['a', '1'] }, 'a tagged key wins for its tag');
  t.equal(map.lookup('docker.io/istio/examples-bookinfo-details-v1')?.program, join(REPO_ROOT, 'examples/bookinfo/details/server.mjs'), 'earlier entries stay');
});

t.test('invalid map files fail with MESHLET_IMAGE_MAP_INVALID', async (t) => {
  const dir = tempRunDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string, RegExp][] = [
    ['images: [a, b]', /`images` must be a mapping/],
    ['images:\n  x: { env: {} }', /x\.program must be a non-empty string/],
    ['images:\n  x: { program: p, args: 3 }', /x\.args must be a list/],
    ['images:\n  x: { program: p, ports: [0] }', /x\.ports must be port numbers/],
    ['images: {\n', /is not valid YAML/],
  ];
  for (const [i, [text, message]] of cases.entries()) {
    const file = join(dir, `bad-${i}.yaml`);
    writeFileSync(file, text);
    t.throws(() => loadImageMap([file]), { name: 'ContainerRuntimeError', code: 'MESHLET_IMAGE_MAP_INVALID', message }, text);
  }
  t.throws(() => loadImageMap([{ path: join(dir, 'nope.yaml'), required: true }]), ContainerRuntimeError);
});

t.test('resolveContainerCommand follows command, image map and error rules', async (t) => {
  const dir = tempRunDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  const script = join(dir, 'bin', 'tool');
  writeFileSync(script, '#!/bin/sh\necho tool\n');
  chmodSync(script, 0o755);
  writeFileSync(join(dir, 'app.mjs'), '');
  const map = imageMapFromEntries(
    {
      'example/app': { program: join(dir, 'app.mjs'), env: { FROM_IMAGE: 'image', SHARED: 'image' }, args: ['--default'] },
      'example/tool': { program: script },
      'example/gone': { program: join(dir, 'gone.mjs') },
    },
    '~/.meshlet/images.yaml',
  );
  const env = { SHARED: 'container' };

  const mapped = resolveContainerCommand({ name: 'c', image: 'example/app:1', env }, map);
  t.ok(mapped.ok);
  if (mapped.ok) {
    t.equal(mapped.file, process.execPath, '.mjs programs run under this Node.js');
    t.same(mapped.args, [join(dir, 'app.mjs'), '--default'], "the image's args when the container gives none");
    t.equal(mapped.env.FROM_IMAGE, 'image');
    t.equal(mapped.env.SHARED, 'container', 'container env wins');
    t.equal(mapped.cwd, dir, "the program's directory is the image's working dir");
  }
  const withArgs = resolveContainerCommand({ name: 'c', image: 'example/app', args: ['x'], env }, map);
  t.same(withArgs.ok && withArgs.args, [join(dir, 'app.mjs'), 'x'], 'container args replace the image args');

  const direct = resolveContainerCommand({ name: 'c', image: 'example/tool', env }, map);
  t.same(direct.ok && [direct.file, direct.args], [script, []], 'other programs run directly');

  const viaPath = resolveContainerCommand({ name: 'c', image: 'unmapped', command: ['tool', '-v'], args: ['a'], env: { PATH: join(dir, 'bin') } }, map);
  t.same(viaPath.ok && [viaPath.file, viaPath.args], [script, ['-v', 'a']], 'command[0] is looked up in the container PATH');

  const relative = resolveContainerCommand({ name: 'c', command: ['./bin/tool'], workingDir: dir, env }, map);
  t.same(relative.ok && [relative.file, relative.cwd], [script, dir], 'relative commands resolve against workingDir');

  const unmapped = resolveContainerCommand({ name: 'c', image: 'docker.io/library/nginx:1.27', env }, map);
  t.same(unmapped.ok ? undefined : unmapped.reason, 'ImageNotMapped');
  t.match(!unmapped.ok && unmapped.message, /image "docker\.io\/library\/nginx:1\.27" is not mapped.*~\/\.meshlet\/images\.yaml.*docker\.io\/library\/nginx:/);

  const missing = resolveContainerCommand({ name: 'c', image: 'x', command: ['no-such-tool-here'], env }, map);
  t.same(!missing.ok && [missing.reason, missing.message], ['RunContainerError', 'failed to start container: meshlet runtime: exec: "no-such-tool-here": executable file not found in $PATH']);

  const gone = resolveContainerCommand({ name: 'c', image: 'example/gone', env }, map);
  t.same(!gone.ok && gone.reason, 'RunContainerError', 'a mapped program that does not exist');

  const badDir = resolveContainerCommand({ name: 'c', command: ['sh'], workingDir: join(dir, 'nope'), env }, map);
  t.match(!badDir.ok && badDir.message, /chdir to cwd/);
});

t.test('$(VAR) references in command and args expand from the container env', async (t) => {
  const env = { PORT: '9080', NAME: 'web' };
  const cases: [string, string][] = [
    ['--port=$(PORT)', '--port=9080'],
    ['$(NAME)-$(PORT)', 'web-9080'],
    ['$(UNDEFINED)', '$(UNDEFINED)'],
    ['$$(PORT)', '$(PORT)'],
    ['$$', '$'],
    ['cost: $5', 'cost: $5'],
    ['$(PORT', '$(PORT'],
    ['$()', '$()'],
    ['tail$', 'tail$'],
  ];
  for (const [input, want] of cases) t.equal(expandVariables(input, env), want, input);
  const resolved = resolveContainerCommand({ name: 'c', command: ['/bin/echo', '$(NAME)'], args: ['--port=$(PORT)'], env }, imageMapFromEntries({}));
  t.same(resolved.ok && resolved.args, ['web', '--port=9080']);
});
