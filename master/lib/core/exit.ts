// Exit codes from sysexits(3): a script calling a Watcher program can tell what went wrong.
export const EX_OK = 0;
export const EX_FAIL = 1;
export const EX_USAGE = 64;
export const EX_DATAERR = 65;
export const EX_NOINPUT = 66;
export const EX_UNAVAILABLE = 69;
export const EX_SOFTWARE = 70;
export const EX_IOERR = 74;
export const EX_TEMPFAIL = 75;
export const EX_CONFIG = 78;

/** An error that carries the exit code its program ends with. */
export class WatcherError extends Error {
  constructor(message: string, readonly exitCode: number = EX_FAIL) {
    super(message);
    this.name = 'WatcherError';
  }
}

/** A bad configuration file: names file, line, key and value. */
export class ConfError extends WatcherError {
  constructor(readonly file: string, readonly line: number, readonly key: string, readonly value: string, reason: string) {
    super(`${file}:${line}: ${key ? `${key}=${JSON.stringify(value)}: ` : ''}${reason}`, EX_CONFIG);
    this.name = 'ConfError';
  }
}

/** Map any thrown value to the exit code of the program. */
export function exitCodeOf(err: unknown): number {
  return err instanceof WatcherError ? err.exitCode : EX_SOFTWARE;
}

/** The system errors of a disk that is full, read-only or failing: not a fault of the program. */
const IO_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS']);

/** A failed write of `path` as a WatcherError (EX_IOERR, the path named) when the disk is the cause; any other error as it is. */
export function writeError(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code && IO_CODES.has(code) ? new WatcherError(`cannot write ${path}: ${(err as Error).message}`, EX_IOERR) : err;
}
