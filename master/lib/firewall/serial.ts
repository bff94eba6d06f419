// One job after another: a backend's rule changes never race (two ensureSet() calls at once).

/** A queue that runs each job after the one before has settled (a failed job does not stop the next). */
export function serialQueue(): <T>(job: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(job: () => Promise<T>): Promise<T> => {
    const p = queue.then(job);
    queue = p.catch(() => undefined);
    return p;
  };
}
