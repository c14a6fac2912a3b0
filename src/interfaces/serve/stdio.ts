// `svec serve env` over standard input and output: one request line in, one response line out,
// in order, until `close` or the end of the input. Standard output carries protocol lines and
// nothing else: whatever else would be written there (a library's console.log) is sent to
// standard error, where diagnostics go.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Scenario } from '../../config/scenario.ts';
import { EnvSession } from './envSession.ts';

/** Answers every request line of `input` through `writeLine`; resolves at `close` or the end of input. */
export async function serveLines(session: EnvSession, input: Readable, writeLine: (line: string) => void): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    writeLine(JSON.stringify(session.handleLine(line)));
    if (session.closed) break;
  }
  lines.close();
}

/** Serves one environment of `scenario` over this process's standard input and output. */
export async function serveEnvOverStdio(scenario: Scenario): Promise<void> {
  const stdout = process.stdout;
  const writeProtocol = stdout.write.bind(stdout) as (chunk: string) => boolean;
  // Everything else that writes to standard output from now on goes to standard error.
  stdout.write = process.stderr.write.bind(process.stderr) as typeof stdout.write;
  // The client went away (EPIPE): nobody is left to answer.
  stdout.on('error', () => process.exit(0));
  const session = new EnvSession(scenario);
  await serveLines(session, process.stdin, (line) => writeProtocol(`${line}\n`));
  process.stdin.destroy();
}
