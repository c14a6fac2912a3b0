// A throwaway redis-server for tests and the queue benchmark: bound to 127.0.0.1 on a free port,
// nothing saved to disk, optionally with a password (given on its standard input, so it does not
// show in the process list), stopped by stop().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface RedisServer {
  port: number;
  password?: string;
  /** the URL with the password in it */
  url: string;
  stop(): Promise<void>;
}

/** Whether redis-server can be started here (Debian: apt-get install redis-server). */
export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startRedisServer(options: { password?: string } = {}): Promise<RedisServer> {
  const port = await freePort();
  // configuration from standard input ('-'): the password stays out of the process list
  const config = [
    `port ${port}`,
    'bind 127.0.0.1',
    `save ""`,
    'appendonly no',
    'daemonize no',
    'loglevel warning',
    ...(options.password ? [`requirepass ${options.password}`] : []),
  ].join('\n');
  const child: ChildProcess = spawn('redis-server', ['-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin!.end(`${config}\n`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // wait until it answers PING
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited at once (${child.exitCode}): ${stderr.trim()}`);
    const client = new Redis({ host: '127.0.0.1', port, password: options.password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') break;
    } catch {
      // not up yet
    } finally {
      client.disconnect();
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on 127.0.0.1:${port} did not answer PING within 10 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    port,
    password: options.password,
    url: `redis://${auth}127.0.0.1:${port}/0`,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}
