// A minimal rate-limited work queue in the spirit of client-go's workqueue:
// a key is queued once however often it is added, one worker handles keys in
// order, and a failed key comes back after an exponential backoff (max 30 s).
export class WorkQueue {
  /**
   * @param {(key: string) => Promise<void>} handle
   * @param {(key: string, err: unknown) => void} onError
   */
  constructor(handle, onError) {
    this.handle = handle;
    this.onError = onError;
    this.pending = new Set();
    this.failures = new Map();
    this.running = false;
    this.stopped = false;
  }

  add(key) {
    if (this.stopped) return;
    this.pending.add(key);
    if (!this.running) void this.drain();
  }

  async drain() {
    this.running = true;
    while (!this.stopped && this.pending.size > 0) {
      const [key] = this.pending;
      this.pending.delete(key);
      try {
        await this.handle(key);
        this.failures.delete(key);
      } catch (err) {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        this.onError(key, err);
        setTimeout(() => this.add(key), Math.min(30_000, 250 * 2 ** n));
      }
    }
    this.running = false;
  }

  stop() {
    this.stopped = true;
    this.pending.clear();
  }
}
