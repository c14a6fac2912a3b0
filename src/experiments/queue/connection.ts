// Where the job queue lives: a Redis URL, redis://[user[:password]@]host[:port][/db] (rediss://
// for TLS), with the password from the URL or from SVEC_REDIS_PASSWORD. The password is kept in
// one object that is only ever handed to the Redis client; everything that is printed or
// written uses `display`, the URL without it.
import { Redis } from 'ioredis';
import { UserError, userErrorName } from '../../util/errors.ts';

/** The environment variable that holds the Redis password when the URL has none. */
export const PASSWORD_ENV = 'SVEC_REDIS_PASSWORD';

/** A --queue value that is not a Redis URL; the message never repeats a password. */
export class QueueUrlError extends UserError {
  override name = userErrorName('QueueUrlError');
}

/** Redis cannot be reached or refused us; the message names the URL without its password. */
export class QueueConnectionError extends UserError {
  override name = userErrorName('QueueConnectionError');
}

export interface QueueConnection {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** the URL as it may be shown: no password, ever */
  display: string;
}

/** The text of a URL with any user information replaced, for messages about a URL we could not read. */
export function redactUrl(text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//***@');
}

/** Reads a --queue URL; the password comes from the URL, else from `env` (SVEC_REDIS_PASSWORD). */
export function parseQueueUrl(text: string, env: NodeJS.ProcessEnv = process.env): QueueConnection {
  const shown = redactUrl(text);
  const expected = 'expected redis://[:password@]host:port[/db], e.g. redis://127.0.0.1:6379/0';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new QueueUrlError(`--queue '${shown}' is not a URL (${expected})`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new QueueUrlError(`--queue '${shown}': the scheme must be redis: or rediss:, not ${url.protocol} (${expected})`);
  if (url.hostname === '') throw new QueueUrlError(`--queue '${shown}' names no host (${expected})`);
  if (url.search !== '' || url.hash !== '') throw new QueueUrlError(`--queue '${shown}': query strings and fragments are not read (${expected})`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,5}$/.test(dbText)) throw new QueueUrlError(`--queue '${shown}': the database must be a number, got '/${dbText}' (${expected})`);
  const db = dbText === '' ? 0 : Number(dbText);
  const password = url.password !== '' ? decodeURIComponent(url.password) : env[PASSWORD_ENV] || undefined;
  const username = url.username !== '' ? decodeURIComponent(url.username) : undefined;
  // IPv6 hosts keep their brackets in the URL, ioredis wants them bare
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const display = `${url.protocol}//${username ? `${encodeURIComponent(username)}@` : ''}${url.hostname}:${port}/${db}`;
  return { host, port, db, username, password, tls: url.protocol === 'rediss:', display };
}

/** Options for ioredis (and BullMQ, which makes its own connections from them). */
export function redisOptions(connection: QueueConnection, extra: { failFast?: boolean } = {}) {
  return {
    host: connection.host,
    port: connection.port,
    db: connection.db,
    username: connection.username,
    password: connection.password,
    tls: connection.tls ? {} : undefined,
    // BullMQ's blocking connections need commands that wait for a reconnection instead of failing
    maxRetriesPerRequest: null,
    connectTimeout: 5000,
    ...(extra.failFast ? { retryStrategy: () => null, lazyConnect: true } : {}),
  };
}

/** An error's message with the password blotted out, should a server or library ever echo it. */
export function scrub(text: string, connection: QueueConnection): string {
  return connection.password ? text.split(connection.password).join('***') : text;
}

/**
 * Connects once, with no retries, and checks that Redis answers: a wrong address or password is
 * one clear line at once instead of BullMQ retrying forever.
 */
export async function checkRedis(connection: QueueConnection): Promise<void> {
  const client = new Redis(redisOptions(connection, { failFast: true }));
  // ioredis reports what went wrong (e.g. WRONGPASS) as an event; the awaited call then only
  // says that the connection closed
  let reported: Error | undefined;
  client.on('error', (error: Error) => (reported ??= error));
  try {
    await client.connect();
    const pong = await client.ping();
    if (pong !== 'PONG') throw new Error(`unexpected answer to PING: ${pong}`);
  } catch (caught) {
    const error = reported ?? caught;
    const message = scrub(String((error as Error).message ?? error), connection);
    const where = `Redis at ${connection.display}`;
    if (/^NOAUTH/.test(message)) throw new QueueConnectionError(`${where} needs a password: give it in the URL or in ${PASSWORD_ENV}`);
    if (/^WRONGPASS/.test(message)) throw new QueueConnectionError(`${where} refused the password (WRONGPASS): check the URL or ${PASSWORD_ENV}`);
    if (/without any password configured/.test(message))
      throw new QueueConnectionError(`${where} has no password set but one was given (in the URL or ${PASSWORD_ENV}); set requirepass in its configuration or give none`);
    const code = (error as NodeJS.ErrnoException).code;
    throw new QueueConnectionError(`cannot reach ${where} (${code ?? message}); is redis-server running there and reachable from this machine?`);
  } finally {
    client.disconnect();
  }
}
