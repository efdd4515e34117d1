// The environment contract between meshlet's node agent and a sample program.
// Every value has a default so the programs also run standalone on 127.0.0.1.
import { hostname } from 'node:os';

/** Address to bind: the pod's own IP, never a wildcard (a wildcard bind collides with other pods). */
export function podIp() {
  return process.env.POD_IP || '127.0.0.1';
}

/** Pod name as Kubernetes exposes it in HOSTNAME; POD_NAME wins because a shell's HOSTNAME is the machine's. */
export function podName() {
  return process.env.POD_NAME || process.env.HOSTNAME || hostname();
}

export function podNamespace() {
  return process.env.POD_NAMESPACE || 'default';
}

/** Port from an env variable (the image's default ENV, overridable by the manifest), else the image's fixed port. */
export function envPort(name, fallback) {
  const raw = process.env[name];
  const port = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`examples/env: ${name}=${JSON.stringify(raw)} is not a port number`);
  }
  return port;
}

export function envFlag(name) {
  return /^(1|true|yes|on)$/i.test(process.env[name] ?? '');
}
