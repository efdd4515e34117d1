// The one adapter for ioredis. The rest of control/store sees a small
// connection interface: raw commands, named Lua scripts (sent once, then run
// by SHA), and duplicate() for a connection that may block (XREAD BLOCK).

import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

export interface RedisScript {
  name: string;
  lua: string;
}

export interface RedisTarget {
  /** redis://…, rediss://…, or unix:///path/to.sock (also redis+unix://). */
  url: string;
}

export interface RedisConnection {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /** Runs a script registered at connect time; all keys are derived inside the script from its arguments. */
  run(script: RedisScript, args: (string | number)[]): Promise<unknown>;
  duplicate(): Promise<RedisConnection>;
  /** Graceful QUIT. */
  close(): Promise<void>;
  /** Drops the connection now, failing in-flight commands (ends a blocking read). */
  disconnect(): void;
}

type ScriptRunner = (...args: (string | number)[]) => Promise<unknown>;

export async function connectRedis(target: RedisTarget, scripts: RedisScript[]): Promise<RedisConnection> {
  const redis = createClient(target.url);
  await connectOrThrow(redis);
  return wrap(redis, scripts);
}

function createClient(url: string): Redis {
  const options: RedisOptions = { lazyConnect: true, maxRetriesPerRequest: 3, enableReadyCheck: true };
  const unix = /^(?:unix|redis\+unix):\/\/(\/[^?]*)/.exec(url);
  const redis = unix ? new Redis({ ...options, path: unix[1] as string }) : new Redis(url, options);
  // Connection errors surface through rejected commands; without a listener ioredis logs them to stderr.
  redis.on('error', () => {});
  return redis;
}

async function connectOrThrow(redis: Redis): Promise<void> {
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw err;
  }
}

function wrap(redis: Redis, scripts: RedisScript[]): RedisConnection {
  for (const script of scripts) redis.defineCommand(script.name, { numberOfKeys: 0, lua: script.lua });
  const runners = redis as unknown as Record<string, ScriptRunner>;
  return {
    call: (command, ...args) => redis.call(command, ...args),
    run: (script, args) => {
      const runner = runners[script.name];
      if (!runner) return Promise.reject(new Error(`control/store: Redis script ${script.name} is not registered`));
      return runner.call(redis, ...args);
    },
    duplicate: async () => {
      const copy = redis.duplicate({ lazyConnect: true });
      copy.on('error', () => {});
      await connectOrThrow(copy);
      return wrap(copy, scripts);
    },
    close: async () => {
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
    disconnect: () => redis.disconnect(),
  };
}
