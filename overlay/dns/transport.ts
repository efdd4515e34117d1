// UDP and TCP listeners on the same address and port. UDP binds first (port
// 0 picks a free one), then TCP binds that exact host and port; if TCP finds
// the port taken, both are retried on a fresh port. TCP connections carry
// length-prefixed messages (pipelined queries allowed), are capped in number
// and closed when idle.

import dgram from 'node:dgram';
import net from 'node:net';
import { OVERLAY_ERROR_CODES, overlayError } from '../errors.ts';
import { MAX_QUERY_BYTES } from './guard.ts';

export type PacketHandler = (raw: Buffer, transport: 'udp' | 'tcp') => Promise<Buffer | undefined>;

export interface DnsListeners {
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface DnsListenOptions {
  host: string;
  port: number;
  handler: PacketHandler;
  /** Default 256. */
  maxTcpConnections?: number;
  /** Default 10 s. */
  tcpIdleMs?: number;
}

const BIND_ATTEMPTS = 8;

export async function listenDns(options: DnsListenOptions): Promise<DnsListeners> {
  let lastError: unknown;
  for (let attempt = 0; attempt < (options.port === 0 ? BIND_ATTEMPTS : 1); attempt++) {
    const udp = dgram.createSocket({ type: net.isIPv6(options.host) ? 'udp6' : 'udp4' });
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(options.port, options.host, () => {
          udp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      udp.close();
      throw overlayError(OVERLAY_ERROR_CODES.listen, `overlay/dns: cannot bind UDP ${options.host}:${options.port}: ${(err as Error).message}`, err);
    }
    const port = udp.address().port;
    const tcp = net.createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: options.host, port, exclusive: true }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      lastError = err;
      udp.close();
      continue;
    }
    return serve(udp, tcp, options.host, port, options);
  }
  throw overlayError(
    OVERLAY_ERROR_CODES.listen,
    `overlay/dns: cannot bind TCP on the UDP port at ${options.host}: ${(lastError as Error | undefined)?.message ?? 'unknown error'}`,
    lastError,
  );
}

function serve(udp: dgram.Socket, tcp: net.Server, host: string, port: number, options: DnsListenOptions): DnsListeners {
  const maxConnections = options.maxTcpConnections ?? 256;
  const idleMs = options.tcpIdleMs ?? 10_000;
  const connections = new Set<net.Socket>();

  let closed = false;
  udp.on('message', (msg, rinfo) => {
    options.handler(msg, 'udp').then(
      (reply) => {
        if (!reply || closed) return;
        try {
          udp.send(reply, rinfo.port, rinfo.address);
        } catch {
          // the socket closed while the reply was being built
        }
      },
      () => {},
    );
  });
  udp.on('error', () => {});

  tcp.on('connection', (socket) => {
    if (connections.size >= maxConnections) {
      socket.destroy();
      return;
    }
    connections.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(idleMs, () => socket.destroy());
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (length < 12 || length > MAX_QUERY_BYTES) {
          socket.destroy();
          return;
        }
        if (buffered.length < 2 + length) return;
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        options.handler(message, 'tcp').then(
          (reply) => {
            if (!reply) {
              socket.destroy();
              return;
            }
            if (socket.destroyed || reply.length > 0xffff) return;
            const prefix = Buffer.alloc(2);
            prefix.writeUInt16BE(reply.length);
            socket.write(Buffer.concat([prefix, reply]));
          },
          () => socket.destroy(),
        );
      }
    });
  });

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    close() {
      closing ??= (async () => {
        closed = true;
        for (const socket of connections) socket.destroy();
        await Promise.all([
          new Promise<void>((resolve) => udp.close(() => resolve())),
          new Promise<void>((resolve) => tcp.close(() => resolve())),
        ]);
      })();
      return closing;
    },
  };
}
