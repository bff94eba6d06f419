// The one clock of Watcher: tests pin it, programs use the real one.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** High-resolution milliseconds for durations. */
  mono(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  mono: () => performance.now(),
};

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Local time as the seeds print it: 2023-04-30T11:27:07.444 */
export function formatStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Local date and time for databases and reports: 2023-04-30 11:27:07 */
export function formatDateTime(ms: number): string {
  return formatStamp(ms).slice(0, 19).replace('T', ' ');
}
