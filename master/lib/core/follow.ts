// Follow a growing file like `tail -n N -F`: survives truncation, rotation and a late start.
import { closeSync, openSync, readSync, statSync, existsSync, readFileSync } from 'node:fs';

/** The last n lines of a text. */
export function lastLines(text: string, n: number): string {
  if (n <= 0) return '';
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-n).map((l) => l + '\n').join('');
}

export interface FollowOptions {
  lines: number;
  follow: boolean;
  out: (chunk: string) => void;
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Print the tail of a file, then (with follow) what is appended until the signal aborts. */
export async function followFile(path: string, opts: FollowOptions): Promise<void> {
  let offset = 0;
  let ino = -1;
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    opts.out(lastLines(text, opts.lines));
    offset = Buffer.byteLength(text);
    ino = statSync(path).ino;
  }
  if (!opts.follow) return;
  const buf = Buffer.alloc(65536);
  while (!opts.signal?.aborted) {
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
    let st;
    try { st = statSync(path); } catch { continue; }
    if (st.ino !== ino || st.size < offset) { offset = 0; ino = st.ino; }
    if (st.size === offset) continue;
    const fd = openSync(path, 'r');
    try {
      let n;
      while ((n = readSync(fd, buf, 0, buf.length, offset)) > 0) {
        opts.out(buf.toString('utf8', 0, n));
        offset += n;
      }
    } finally { closeSync(fd); }
  }
}
