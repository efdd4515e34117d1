import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reapOrphans } from '../../../control/agent/containers/index.ts';
import { collect, groupAlive, harness, isAlive, node, pidOf, podSpec, sh, startWatched, tempRunDir, waitFor } from './helpers.ts';

const OWNER = fileURLToPath(new URL('./fixtures/runtime-owner.ts', import.meta.url));

const grandchildScript = (pidFile: string): string => `
const { spawn } = require('child_process');
const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
setInterval(() => {}, 1000);
`;

/** Members of a process group, from /proc (Linux). */
function groupMembers(pgid: number): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push({ pid: Number(name), comm });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

t.test('stop kills the whole process tree, including a grandchild that ignores SIGTERM', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const pidFile = join(h.runDir, 'gc.pid');
  const w = startWatched(h.runtime, podSpec([{ name: 'app', ...node(grandchildScript(pidFile)) }], { terminationGracePeriodSeconds: 5 }));
  const grandchild = await waitFor('grandchild pid', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0));
  const pid = pidOf(w.latest(), 'app');
  t.ok(isAlive(pid) && isAlive(grandchild));
  t.ok(existsSync(join(h.runDir, 'pids', String(pid))), 'the group is recorded');
  const started = Date.now();
  await w.pod.stop();
  t.ok(Date.now() - started < 4000, 'the container exited on SIGTERM without waiting for the grace period');
  // SIGKILL is delivered asynchronously: give the kernel a moment to finish every member.
  await waitFor('grandchild gone', () => !isAlive(grandchild), 5000);
  await waitFor('no member of the group survives', () => !groupAlive(pid), 5000);
  t.notOk(existsSync(join(h.runDir, 'pids', String(pid))), 'the record is removed');
});

t.test('a container ignoring SIGTERM is SIGKILLed after the grace period', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'stubborn', ...node(`process.on('SIGTERM', () => console.log('ignoring')); console.log('armed'); setInterval(() => {}, 1000)`) }], { terminationGracePeriodSeconds: 1 });
  const w = startWatched(h.runtime, spec);
  await waitFor('handler installed', async () => (await collect(h.runtime.logs(spec.namespace, spec.name, {}))).includes('armed'));
  const pid = pidOf(w.latest(), 'stubborn');
  const started = Date.now();
  await w.pod.stop();
  const took = Date.now() - started;
  t.ok(took >= 900, `waited for the grace period (${took} ms)`);
  t.equal(w.latest().containerStatuses[0]!.state.terminated?.exitCode, 137);
  await waitFor('group gone', () => !groupAlive(pid), 5000);
});

function startOwner(runDir: string): Promise<{ owner: ReturnType<typeof spawn>; pgid: number; grandchild: number }> {
  const owner = spawn(process.execPath, ['--import', 'tsx', OWNER, runDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      owner.kill('SIGKILL');
      reject(new Error('owner did not report its pod within 15 s'));
    }, 15_000);
    owner.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n')[0];
      if (buf.includes('\n') && line) {
        clearTimeout(timer);
        resolve({ owner, ...(JSON.parse(line) as { pgid: number; grandchild: number }) });
      }
    });
    owner.once('exit', () => {
      clearTimeout(timer);
      reject(new Error('owner exited early'));
    });
  });
}

t.test('when the owning process is SIGKILLed the watchdog kills every container group', async (t) => {
  const runDir = tempRunDir();
  t.teardown(() => rmSync(runDir, { recursive: true, force: true }));
  const { owner, pgid, grandchild } = await startOwner(runDir);
  t.ok(groupAlive(pgid) && isAlive(grandchild));
  owner.kill('SIGKILL');
  await waitFor('group gone without any reaping', () => !groupAlive(pgid) && !isAlive(grandchild), 5000);
  t.notOk(groupAlive(pgid) || isAlive(grandchild), 'nothing survived the owner');
  await reapOrphans(runDir);
  t.same(readdirSync(join(runDir, 'pids')), [], 'reapOrphans cleared the stale record');
});

t.test('reapOrphans SIGKILLs recorded groups that outlived their owner', { skip: process.platform !== 'linux' && 'needs /proc' }, async (t) => {
  const runDir = tempRunDir();
  t.teardown(() => rmSync(runDir, { recursive: true, force: true }));
  const { owner, pgid, grandchild } = await startOwner(runDir);
  // Disarm the watchdog to stand in for a case it cannot cover, then kill the owner hard.
  const watchdogs = groupMembers(pgid).filter((m) => m.comm === 'sh');
  t.equal(watchdogs.length, 1, 'one watchdog shell in the container group');
  for (const w of watchdogs) process.kill(w.pid, 'SIGKILL');
  owner.kill('SIGKILL');
  await new Promise((r) => owner.once('exit', r));
  t.ok(groupAlive(pgid) && isAlive(grandchild), 'the container group outlived its owner');
  t.same(readdirSync(join(runDir, 'pids')), [String(pgid)]);
  t.equal(await reapOrphans(runDir), 1);
  await waitFor('group gone', () => !groupAlive(pgid) && !isAlive(grandchild), 5000);
  t.same(readdirSync(join(runDir, 'pids')), []);
  t.equal(await reapOrphans(runDir), 0, 'a second reap finds nothing');
});

t.test('reapOrphans leaves a process alone when its recorded start time shows the pid was reused', { skip: process.platform !== 'linux' && 'needs /proc' }, async (t) => {
  const runDir = tempRunDir();
  t.teardown(() => rmSync(runDir, { recursive: true, force: true }));
  const stranger = spawn('/bin/sh', ['-c', 'exec sleep 100'], { detached: true, stdio: 'ignore' });
  t.teardown(() => {
    try {
      process.kill(-stranger.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  const pgid = stranger.pid!;
  await waitFor('stranger running', () => groupAlive(pgid));
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(join(runDir, 'pids'), { recursive: true });
  const record = (startTicks: string): void =>
    writeFileSync(join(runDir, 'pids', String(pgid)), JSON.stringify({ pgid, startTicks, namespace: 'default', pod: 'p', container: 'c', file: 'sleep' }));
  record('1');
  t.equal(await reapOrphans(runDir), 0, 'a reused pid is not killed');
  t.ok(groupAlive(pgid));
  t.same(readdirSync(join(runDir, 'pids')), [], 'the stale record is dropped');
  const stat = readFileSync(`/proc/${pgid}/stat`, 'utf8');
  record(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!);
  t.equal(await reapOrphans(runDir), 1, 'the matching group is killed');
  await waitFor('gone', () => !groupAlive(pgid), 5000);
});

t.test('usage() sums CPU and memory over each container group', { skip: process.platform !== 'linux' && 'needs /proc' }, async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  // Burns 300 ms of CPU time (not wall time: the machine may be busy), then idles holding a 20 MB buffer.
  const spec = podSpec([
    { name: 'busy', ...node(`const c0 = process.cpuUsage(); let x = 0; while (process.cpuUsage(c0).user < 300e3) for (let i = 0; i < 1e6; i++) x += i; globalThis.keep = Buffer.alloc(20e6, 1); console.log('done'); setInterval(() => {}, 1000)`) },
    { name: 'idle', ...sh('exec sleep 100') },
  ]);
  const w = startWatched(h.runtime, spec);
  await waitFor('busy finished', async () => (await collect(h.runtime.logs(spec.namespace, spec.name, { container: 'busy' }))).includes('done'));
  const usage = w.pod.usage();
  t.same(usage.map((u) => u.name), ['busy', 'idle']);
  const [busy, idle] = usage;
  t.equal(busy!.pid, pidOf(w.latest(), 'busy'));
  t.ok(busy!.cpuSeconds >= 0.3, `busy used CPU (${busy!.cpuSeconds} s)`);
  t.ok(busy!.memoryBytes > 20e6, `busy holds its buffer (${busy!.memoryBytes} bytes)`);
  t.equal(idle!.processes, 2, 'the program and its watchdog');
  t.ok(idle!.cpuSeconds < busy!.cpuSeconds);
  await w.pod.stop();
  t.same(w.pod.usage(), [], 'nothing runs after stop');
});
