// status.nodeInfo is complete on every host: real values where the host has
// them, stable stand-ins where it does not.

import t from 'tap';
import { goArch, osImageOf, readNodeSystemInfo } from '../../control/agent/node-info.ts';
import type { HostFacts } from '../../control/agent/node-info.ts';

function host(files: Record<string, string>, nodeArch = 'x64'): HostFacts {
  return { readFile: (path) => files[path], hostname: () => 'box', kernelRelease: () => '6.1.0-test', nodeArch: () => nodeArch };
}

const FULL = {
  '/etc/machine-id': '3d1219c7c4c5404aaa1f6d2a48adfda4\n',
  '/proc/sys/kernel/random/boot_id': '12e019be-ccfd-4358-9085-b478171fb765\n',
  '/sys/class/dmi/id/product_uuid': 'EC2A1B2C-0000-1111-2222-333344445555\n',
  '/etc/os-release': 'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
};

t.test('a host with every file reports its own values', async (t) => {
  const info = readNodeSystemInfo('1.2.3', host(FULL));
  t.same(info, {
    machineID: '3d1219c7c4c5404aaa1f6d2a48adfda4',
    systemUUID: 'ec2a1b2c-0000-1111-2222-333344445555',
    bootID: '12e019be-ccfd-4358-9085-b478171fb765',
    kernelVersion: '6.1.0-test',
    osImage: 'Debian GNU/Linux 12 (bookworm)',
    containerRuntimeVersion: 'meshlet-process://1.2.3',
    kubeletVersion: 'v1.32.0-meshlet',
    kubeProxyVersion: 'v1.32.0-meshlet',
    operatingSystem: 'linux',
    architecture: 'amd64',
  });
});

t.test('fallbacks: dbus machine-id, then a stable id; systemUUID from the machine id', async (t) => {
  const dbus = readNodeSystemInfo('1', host({ '/var/lib/dbus/machine-id': 'ABCDEF0123456789abcdef0123456789' }));
  t.equal(dbus.machineID, 'abcdef0123456789abcdef0123456789');
  t.equal(dbus.systemUUID, 'abcdef01-2345-6789-abcd-ef0123456789');

  const bare = readNodeSystemInfo('1', host({ '/etc/machine-id': 'not-an-id' }));
  t.match(bare.machineID, /^[0-9a-f]{32}$/, 'an invalid machine-id is replaced');
  t.equal(readNodeSystemInfo('1', host({})).machineID, bare.machineID, 'the stand-in is stable for the host');
  t.match(bare.bootID, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  t.equal(bare.osImage, 'Linux');
  for (const [field, value] of Object.entries(bare)) t.ok(value, `${field} is set`);
});

t.test('os-release PRETTY_NAME, quoted or not', async (t) => {
  const cases: [string | undefined, string][] = [
    ['PRETTY_NAME="Ubuntu 24.04 LTS"', 'Ubuntu 24.04 LTS'],
    ["PRETTY_NAME='Alpine Linux v3.20'", 'Alpine Linux v3.20'],
    ['NAME=Fedora\nPRETTY_NAME=Fedora Linux 40', 'Fedora Linux 40'],
    ['NAME=x', 'Linux'],
    [undefined, 'Linux'],
  ];
  for (const [text, expected] of cases) t.equal(osImageOf(text), expected, String(text));
});

t.test('Node.js architectures map to GOARCH', async (t) => {
  const cases: [string, string][] = [['x64', 'amd64'], ['arm64', 'arm64'], ['ia32', '386'], ['ppc64', 'ppc64le'], ['mips', 'mips']];
  for (const [nodeArch, expected] of cases) t.equal(goArch(nodeArch), expected, nodeArch);
});
