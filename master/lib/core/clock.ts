// The one clock of Watcher: tests pin it, programs use the real one.
import { WatcherError, EX_SOFTWARE } from './exit.js';

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

/**
 * Local time as the seeds print it: 2023-04-30T11:27:07.444. The one place a time becomes a
 * date: a time that is no date, or not of the years 0 to 9999 (database times compare as text),
 * is an error naming it, never a 'NaN-NaN-NaN' that every stored time would compare against.
 */
export function formatStamp(ms: number): string {
  const d = new Date(ms);
  const year = d.getFullYear();
  if (!(year >= 0 && year <= 9999)) throw new WatcherError(`no date for ${ms} ms since 1970 (a number out of range): years 0 to 9999 only`, EX_SOFTWARE);
  return `${pad(year, 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// The last second formatDateTime wrote: a module writes thousands of affairs a second.
let lastSecond = NaN;
let lastText = '';

/** Local date and time for databases and reports: 2023-04-30 11:27:07 */
export function formatDateTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) { lastText = formatStamp(second * 1000).slice(0, 19).replace('T', ' '); lastSecond = second; }
  return lastText;
}
