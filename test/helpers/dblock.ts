// Another OS process (the sqlite3 shell) holding the write lock of a database, as Expire,
// freeme or an administrator's sqlite3 session would.
import { execa, type ResultPromise } from 'execa';
import { requireTools } from './netns.js';

export interface DbLock { proc: ResultPromise; release(): Promise<void> }

/** Take the write lock (BEGIN IMMEDIATE) in a sqlite3 process; resolves once it is held. */
export async function lockDatabase(path: string): Promise<DbLock> {
  requireTools(['sqlite3']);
  const proc = execa('sqlite3', [path], { stdin: 'pipe', stdout: 'pipe', reject: false });
  proc.stdin!.write(".timeout 5000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n");
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => { out += b.toString(); if (out.includes('locked')) resolve(); });
    void proc.then((r) => reject(new Error(`sqlite3 ended before it held the lock: ${r.stderr}`)));
  });
  return {
    proc,
    release: async () => { proc.stdin!.end('COMMIT;\n.quit\n'); await proc; },
  };
}
