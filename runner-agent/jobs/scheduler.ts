// One job per board at a time, in fair order. Waiters form one FIFO list; whenever a
// board frees up it goes to the earliest waiter that accepts it, so no job is overtaken
// by a later one that wants the same board. A waiter whose client goes away leaves the
// list at once.
import { AgentError } from './errors.ts';
import { type Lease, type LeaseStore } from './leases.ts';

export interface AcquireOptions {
  /** Board ids that satisfy the job, in order of preference. */
  candidates: string[];
  jobId: string;
  owner: string;
  signal?: AbortSignal;
  /** Called with the number of jobs ahead whenever it is first known. */
  onQueued?: (ahead: number) => void;
}

interface Waiter {
  opts: AcquireOptions;
  resolve: (l: Lease) => void;
  reject: (e: unknown) => void;
}

export interface SchedulerOptions {
  /** Lease lifetime, renewed every third of it while held. Default 60 s. */
  leaseTtlMs?: number;
}

export class Scheduler {
  private waiters: Waiter[] = [];
  private renewers = new Map<string, NodeJS.Timeout>();
  readonly leaseTtlMs: number;

  constructor(
    private readonly store: LeaseStore,
    opts: SchedulerOptions = {},
  ) {
    this.leaseTtlMs = opts.leaseTtlMs ?? 60_000;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Jobs waiting for `boardId` (those that would accept it). */
  waitingFor(boardId: string): number {
    return this.waiters.filter((w) => w.opts.candidates.includes(boardId)).length;
  }

  acquire(opts: AcquireOptions): Promise<Lease> {
    const usable = opts.candidates.filter((b) => !this.store.healthOf(b).quarantined);
    if (usable.length === 0) {
      return Promise.reject(
        new AgentError(
          'quarantined',
          `board ${opts.candidates.join(', ')} quarantined after repeated failures`,
          { boardFault: false },
        ),
      );
    }
    if (opts.signal?.aborted) {
      return Promise.reject(new AgentError('cancelled', `job ${opts.jobId}: cancelled`));
    }
    return new Promise<Lease>((resolve, reject) => {
      const w: Waiter = { opts: { ...opts, candidates: usable }, resolve, reject };
      this.waiters.push(w);
      const onAbort = () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          reject(new AgentError('cancelled', `job ${opts.jobId}: cancelled while queued`));
        }
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const ahead = this.waiters.length - 1;
      this.pump();
      // Still waiting after the pump: say how many jobs are ahead.
      if (this.waiters.includes(w)) opts.onQueued?.(ahead);
    });
  }

  /** Idempotent. Frees the board and hands it to the next waiter. */
  release(lease: Lease): void {
    const t = this.renewers.get(lease.id);
    if (t) clearInterval(t);
    this.renewers.delete(lease.id);
    this.store.release(lease.id);
    this.pump();
  }

  /** Rechecks the queue (after a sweep of stale leases or a health change). */
  pump(): void {
    if (this.waiters.length === 0) return;
    this.store.sweep();
    const taken = new Set<string>();
    for (let i = 0; i < this.waiters.length;) {
      const w = this.waiters[i];
      const board = w.opts.candidates.find(
        (b) => !taken.has(b) && !this.store.holder(b) && !this.store.healthOf(b).quarantined,
      );
      if (board === undefined) {
        // Boards this waiter wants stay reserved for it: a later waiter may not take them.
        for (const b of w.opts.candidates) taken.add(b);
        if (w.opts.candidates.every((b) => this.store.healthOf(b).quarantined)) {
          this.waiters.splice(i, 1);
          w.reject(
            new AgentError('quarantined', `board ${w.opts.candidates.join(', ')} quarantined`, {
              boardFault: false,
            }),
          );
          continue;
        }
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      const lease = this.store.create(board, w.opts.jobId, w.opts.owner, this.leaseTtlMs);
      const timer = setInterval(
        () => this.store.renew(lease.id, this.leaseTtlMs),
        this.leaseTtlMs / 3,
      );
      timer.unref();
      this.renewers.set(lease.id, timer);
      taken.add(board);
      w.resolve(lease);
    }
  }

  /** Fails every waiter (agent shutting down). */
  close(reason: string): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.reject(new AgentError('cancelled', `job ${w.opts.jobId}: ${reason}`));
    for (const t of this.renewers.values()) clearInterval(t);
    this.renewers.clear();
  }
}
