// Counting distinct addresses of a load without a Set of a million strings: IPv4 addresses as
// numbers in an open-addressing table (a few bytes and nanoseconds each), the others as texts.

/** Distinct addresses (or network addresses) seen; add() takes the IPv4 number when there is one. */
export class DistinctAddresses {
  private keys = new Uint32Array(1024);
  private used = new Uint8Array(1024);
  private numbers = 0;
  private readonly texts = new Set<string>();

  /** Count `text`, or the IPv4 number `v4` standing for it. */
  add(text: string, v4?: number): void {
    if (v4 === undefined) { this.texts.add(text); return; }
    if (this.insert(v4 >>> 0) && ++this.numbers * 2 > this.keys.length) this.grow();
  }

  get size(): number { return this.numbers + this.texts.size; }

  // Linear probing from a multiplicative hash; true when the key was new.
  private insert(v: number): boolean {
    const mask = this.keys.length - 1;
    let i = Math.imul(v, 0x9e3779b1) >>> 0 & mask;
    while (this.used[i]) {
      if (this.keys[i] === v) return false;
      i = (i + 1) & mask;
    }
    this.used[i] = 1;
    this.keys[i] = v;
    return true;
  }

  private grow(): void {
    const { keys, used } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.used = new Uint8Array(keys.length * 2);
    for (let i = 0; i < keys.length; i++) if (used[i]) this.insert(keys[i]);
  }
}
