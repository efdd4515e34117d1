// tcp-echo-server (stands in for istio's tcp-echo-server image).
// Arguments as the real image: `<port>[,<port>...] [prefix]` (defaults 9000 and "hello");
// each line received is answered with "<prefix> <line>".
import net from 'node:net';
import { podIp } from '../lib/env.mjs';
import { exitOnSignal } from '../lib/serve.mjs';

const [portList = '9000', prefix = 'hello'] = process.argv.slice(2);
const ports = portList.split(',').map((p) => Number(p.trim()));
if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
  console.error(`tcp-echo: invalid port list ${JSON.stringify(portList)}`);
  process.exit(2);
}
const host = podIp();

function handle(socket) {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl + 1);
      pending = pending.slice(nl + 1);
      socket.write(`${prefix} ${line}`);
    }
  });
  socket.on('error', () => socket.destroy());
}

const servers = ports.map((port) => {
  const server = net.createServer(handle);
  server.on('error', (err) => {
    console.error(`tcp-echo: cannot listen on ${host}:${port}: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, host, () => console.log(`tcp-echo: listening on ${host}:${port}, prefix "${prefix}"`));
  return server;
});
exitOnSignal('tcp-echo', () => servers.forEach((s) => s.close()));
