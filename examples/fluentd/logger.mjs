// Stand-in for the fluentd-elasticsearch image of Kubernetes' DaemonSet example: a node
// log agent. It reports at start which pod it is and then, every LOG_INTERVAL_MS
// (default 10 s), how many log files it sees under LOG_DIR (default /var/log, the
// DaemonSet's hostPath mount; absent or unreadable counts as none). It ships nothing.
import { readdirSync } from 'node:fs';
import { podName, podNamespace } from '../lib/env.mjs';

const interval = Number(process.env.LOG_INTERVAL_MS || 10_000);
const dir = process.env.LOG_DIR || '/var/log';

function countLogs() {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.log')).length;
  } catch {
    return 0;
  }
}

console.log(`fluentd: ${podNamespace()}/${podName()} collecting logs from ${dir}`);
const timer = setInterval(() => console.log(`fluentd: ${new Date().toISOString()} ${countLogs()} log files in ${dir}`), interval);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    clearInterval(timer);
    console.log('fluentd: shutting down');
    process.exit(0);
  });
}
