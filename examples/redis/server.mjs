// redis (stands in for docker.io/redis): runs Debian's redis-server bound to the pod IP,
// with persistence off (an emptyDir-less container loses its data on restart anyway).
import { spawn } from 'node:child_process';
import { envPort, podIp } from '../lib/env.mjs';

const port = envPort('PORT', 6379);
const child = spawn('redis-server', ['--bind', podIp(), '--port', String(port), '--save', '', '--appendonly', 'no', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
child.on('error', (err) => {
  console.error(`redis: cannot start redis-server (${err.message}); install it with apt-get install -y --no-install-recommends redis-server`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
