/**
 * A progress bar on stderr for long-running commands (imports), so stdout stays clean for --json.
 * Shown when stderr is a terminal, or when asked for (--progress; then also on a pipe, as a line
 * every two seconds); --no-progress hides it.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Report how far we are: bytes of the input read, rows handled. */
  update(done: { bytes: number; rows: number }): void;
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

/** Whether to show a progress bar: the --progress / --no-progress flag, else whether the stream is a TTY. */
export function wantsProgress(
  flag: boolean | undefined,
  stream: NodeJS.WriteStream = process.stderr,
): boolean {
  return flag ?? Boolean(stream.isTTY);
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

/**
 * A bar measured in bytes of input when `totalBytes` is known (a file), else a counter of rows.
 * Returns a no-op when not `enabled`.
 */
export function createProgress(opts: {
  enabled: boolean;
  label: string;
  /** What `rows` counts, as the bar shows it (default "rows"). */
  unit?: string;
  totalBytes?: number;
  stream?: NodeJS.WriteStream;
}): Progress {
  if (!opts.enabled) return silent;
  const stream = opts.stream ?? process.stderr;
  const known = opts.totalBytes !== undefined && opts.totalBytes > 0;
  const unit = opts.unit ?? 'rows';
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: known
        ? `${opts.label} [{bar}] {percentage}% | {rows} ${unit} | {read}/{size} MiB | ETA {eta_formatted}`
        : `${opts.label} {rows} ${unit} | {read} MiB`,
      noTTYOutput: !stream.isTTY,
      notTTYSchedule: 2000,
      hideCursor: null,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(known ? opts.totalBytes! : 1, 0, {
    rows: 0,
    read: mib(0),
    size: mib(opts.totalBytes ?? 0),
  });
  return {
    update({ bytes, rows }) {
      bar.update(known ? Math.min(bytes, opts.totalBytes!) : 0, { rows, read: mib(bytes) });
    },
    stop() {
      bar.stop();
    },
  };
}
