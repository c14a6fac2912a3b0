// Progress bars on a terminal, silence in CI and in pipes (standard error only, so --json output
// on standard output stays clean).
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export function showProgress(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.CI;
}

/** A bar with `total` steps; `format` may use {bar} {value} {total} {eta_formatted} and custom fields. */
export function createProgress(total: number, format: string, initialFields: Record<string, string | number> = {}): Progress {
  if (!showProgress()) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 20, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, initialFields);
  return {
    update(done, fields) {
      bar.update(done, fields);
    },
    stop() {
      bar.stop();
    },
  };
}
