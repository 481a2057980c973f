/**
 * Runs jobs so that jobs with one key run one at a time in submission order, while up to
 * `concurrency` different keys run in parallel. A key with more work goes to the back of the
 * ready line after each job, so one busy node cannot starve the others.
 */
export type Job = () => Promise<void>;

export class PartitionScheduler {
  readonly #concurrency: number;
  readonly #queues = new Map<string, Job[]>();
  readonly #running = new Set<string>();
  /** Keys with queued jobs that are not running, in the order they became ready. */
  readonly #ready = new Set<string>();

  constructor(concurrency: number) {
    this.#concurrency = concurrency;
  }

  get runningPartitions(): number {
    return this.#running.size;
  }

  submit(key: string, job: Job): void {
    const queue = this.#queues.get(key);
    if (queue) queue.push(job);
    else this.#queues.set(key, [job]);
    if (!this.#running.has(key)) this.#ready.add(key);
    this.#pump();
  }

  /** Removes every job that has not started; returns how many were dropped. */
  clearQueued(): number {
    let dropped = 0;
    for (const [key, queue] of this.#queues) {
      dropped += queue.length;
      if (this.#running.has(key)) queue.length = 0;
      else this.#queues.delete(key);
    }
    this.#ready.clear();
    return dropped;
  }

  #pump(): void {
    while (this.#running.size < this.#concurrency && this.#ready.size > 0) {
      const key = this.#ready.values().next().value as string;
      this.#ready.delete(key);
      this.#running.add(key);
      void this.#runOne(key);
    }
  }

  async #runOne(key: string): Promise<void> {
    const job = this.#queues.get(key)?.shift();
    try {
      if (job) await job();
    } catch {
      // Jobs handle their own errors; a throw here must not wedge the partition.
    } finally {
      this.#running.delete(key);
      const queue = this.#queues.get(key);
      if (queue && queue.length > 0) this.#ready.add(key);
      else this.#queues.delete(key);
      this.#pump();
    }
  }
}
