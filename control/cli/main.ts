// The `meshlet` command: dispatches to one file per subcommand and turns
// errors into one clear line and a non-zero exit code.

import { MeshletError } from '../api/index.ts';
import { UsageError } from './args.ts';
import { upCommand } from './commands/up.ts';
import { downCommand } from './commands/down.ts';
import { statusCommand } from './commands/status.ts';
import { applyCommand } from './commands/apply.ts';
import { getCommand } from './commands/get.ts';
import { deleteCommand } from './commands/delete.ts';
import { logsCommand } from './commands/logs.ts';
import { kubeconfigCommand } from './commands/kubeconfig.ts';
import { meshCommands } from './commands/mesh.ts';
import { nodeCommand } from './commands/node.ts';

const USAGE = `meshlet — Kubernetes networking and an Istio-like mesh on one machine

Usage:
  meshlet up [-f FILE|DIR]... [DIR] [--nodes N] [--detach] [--api-port P] [--ingress-port P]
             [--dns-port P] [--ui-port P] [--store redis://…] [--data-dir DIR] [--redis URL]
             [--node-monitor-grace-period 40s]
  meshlet down                      stops the cluster, or the node this home joined
  meshlet node join --store redis://… [--name NAME]   run a node agent against a Redis-backed control plane
  meshlet status [--json]
  meshlet apply -f FILE|DIR...
  meshlet get <kind> [name] [-n NS | -A] [-o json|yaml|wide|name] [-l SELECTOR]
  meshlet delete <kind> <name>... | -f FILE|DIR
  meshlet logs <pod> [-c CONTAINER] [-f] [--tail N] [-n NS]
  meshlet kubeconfig [--write]
  meshlet proxy-config routes|clusters|endpoints <pod> [-n NS]
  meshlet explain <pod> <url> [-H 'name: value']... [-X METHOD] [-n NS]
  meshlet analyze [-f FILE|DIR]...

Environment: MESHLET_HOME (default ~/.meshlet) holds the running cluster's state.
`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  up: upCommand,
  down: () => downCommand(),
  status: statusCommand,
  apply: applyCommand,
  get: getCommand,
  delete: deleteCommand,
  logs: logsCommand,
  kubeconfig: kubeconfigCommand,
  node: nodeCommand,
  ...meshCommands,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`meshlet: unknown command "${name}"\n\n${USAGE}`);
    return 1;
  }
  try {
    return await command(rest);
  } catch (err) {
    if (err instanceof UsageError) process.stderr.write(`meshlet ${name}: ${err.message}\n`);
    else if (err instanceof MeshletError) process.stderr.write(`meshlet ${name}: ${err.message}\n`);
    else process.stderr.write(`meshlet ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
