// `meshlet status [--json]`: where the running cluster listens, and its nodes.

import { NODES } from '../../api/index.ts';
import type { Node } from '../../api/index.ts';
import { bool } from '../args.ts';
import type { CommandSpec, ParsedArgs } from '../args.ts';
import { connect } from './connect.ts';

export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'where the running cluster listens, and its nodes',
  flags: [{ names: ['--json'], key: 'json', kind: 'boolean', help: 'print as JSON' }],
  run: printStatus,
};

async function printStatus(args: ParsedArgs): Promise<number> {
  const { client, state } = connect();
  try {
    const nodes = await client.list<Node>(NODES);
    const view = {
      apiServer: state.apiServer,
      ingress: state.ingress,
      ingressTcp: state.ingressTcp ?? {},
      dns: state.dns,
      dashboard: state.dashboard,
      kubeconfig: state.kubeconfig,
      home: state.home,
      pid: state.pid,
      clusterCidr: state.clusterCidr,
      serviceCidr: state.serviceCidr,
      nodes: nodes.items.map((n) => ({
        name: n.metadata.name,
        ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
        podCIDR: n.spec?.podCIDR,
        address: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address,
      })),
    };
    if (bool(args, 'json')) {
      process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    } else {
      process.stdout.write(
        [
          `API server: ${view.apiServer}`,
          `ingress:    ${view.ingress}`,
          ...Object.entries(view.ingressTcp).map(([port, local]) => `ingress TCP ${port}: 127.0.0.1:${local}`),
          `dashboard:  ${view.dashboard}`,
          `DNS:        ${view.dns.host}:${view.dns.port}`,
          `nodes:`,
          ...view.nodes.map((n) => `  ${n.name}  ${n.ready ? 'Ready' : 'NotReady'}  ${n.podCIDR ?? ''}`),
          '',
        ].join('\n'),
      );
    }
    return 0;
  } finally {
    client.close();
  }
}
