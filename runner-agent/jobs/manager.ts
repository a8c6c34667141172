// The agent's core, shared by the HTTP API, the CLI and in-process runs: the inventory's
// boards, the queue and leases, and the life of one job (queued -> leased -> board up ->
// bench -> result or error), with a reset and one retry when the board itself fails.
import { randomUUID } from 'node:crypto';
import type { BoardSpec, BoardsFile } from '../../src/schema/boards-types.ts';
import type { ResultDocument } from '../../src/schema/result-types.ts';
import { runBench, type BenchProgress, type BenchRequest } from '../bench.ts';
import type { Board, DeviceFacts } from '../boards/board.ts';
import { AgentError, codeOf, messageOf, withTimeout } from './errors.ts';
import { LeaseStore, type BoardHealth, type Lease } from './leases.ts';
import { Scheduler } from './scheduler.ts';

export interface JobRequest extends BenchRequest {
  /** A board id or label of the inventory. */
  board: string;
}

export type JobEvent =
  | { event: 'queued'; jobId: string; ahead: number }
  | { event: 'leased'; jobId: string; boardId: string; leaseId: string }
  | (BenchProgress & { jobId: string })
  | { event: 'result'; jobId: string; result: ResultDocument }
  | { event: 'error'; jobId: string; code: string; message: string };

export interface JobOptions {
  /** Who asks (shown in `boards` and the lease). */
  owner: string;
  signal?: AbortSignal;
  onEvent?: (e: JobEvent) => void;
}

export interface AgentOptions {
  inventory: BoardsFile;
  /** Lease state file; null keeps leases in memory (in-process runs). */
  stateFile: string | null;
  /** Creates the Board of an inventory entry (QEMU, real, or the virtual board in tests). */
  createBoard: (spec: BoardSpec) => Board;
  leaseTtlMs?: number;
  /** Scales every step's timeout. Default 1. */
  timeoutScale?: number;
  /** Time a board may take to come up (QEMU boot, flashing). Default 60 s (flashing a real board). */
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface BoardStatus {
  id: string;
  kind: BoardSpec['kind'];
  machine?: string;
  core: string;
  labels: string[];
  state: 'idle' | 'busy' | 'quarantined';
  board: Board['state'];
  lease: Pick<Lease, 'id' | 'jobId' | 'owner' | 'acquiredAt' | 'expiresAt'> | null;
  waiting: number;
  health: BoardHealth;
  firmware: Pick<DeviceFacts, 'buildHash' | 'firmwareVersion' | 'kernelSet' | 'compiler'> | null;
}

export class Agent {
  readonly store: LeaseStore;
  readonly scheduler: Scheduler;
  private readonly boards = new Map<string, Board>();
  private readonly facts = new Map<string, DeviceFacts>();
  /** Boards whose last job was cut off mid-conversation: reset before the next one. */
  private readonly dirty = new Set<string>();
  private readonly log: (line: string) => void;

  constructor(private readonly opts: AgentOptions) {
    this.log = opts.log ?? (() => {});
    this.store = new LeaseStore(opts.stateFile);
    for (const p of this.store.killed) {
      this.log(
        `killed ${p.program} (pid ${p.pid}) of board ${p.boardId}, left by dead agent pid ${p.agentPid}`,
      );
    }
    for (const l of this.store.recovered) {
      this.log(
        `recovered stale lease ${l.id} on ${l.boardId} (job ${l.jobId}, agent pid ${l.pid})`,
      );
    }
    // Leases in the file of boards no longer in the inventory are of no use to anyone.
    const ids = new Set(opts.inventory.boards.map((b) => b.id));
    for (const l of this.store.all()) if (!ids.has(l.boardId)) this.store.release(l.id);
    this.scheduler = new Scheduler(this.store, { leaseTtlMs: opts.leaseTtlMs });
  }

  /** Inventory entries that satisfy `want` (an id, else a label), in inventory order. */
  candidates(want: string): BoardSpec[] {
    const byId = this.opts.inventory.boards.filter((b) => b.id === want);
    return byId.length > 0
      ? byId
      : this.opts.inventory.boards.filter((b) => b.labels.includes(want));
  }

  private board(spec: BoardSpec): Board {
    let b = this.boards.get(spec.id);
    if (!b) {
      b = this.opts.createBoard(spec);
      this.boards.set(spec.id, b);
    }
    return b;
  }

  status(): BoardStatus[] {
    this.store.sweep();
    return this.opts.inventory.boards.map((spec) => {
      const lease = this.store.holder(spec.id);
      const health = this.store.healthOf(spec.id);
      const f = this.facts.get(spec.id);
      return {
        id: spec.id,
        kind: spec.kind,
        ...(spec.kind === 'emulated' ? { machine: spec.machine } : {}),
        core: spec.core,
        labels: spec.labels,
        state: health.quarantined ? 'quarantined' : lease ? 'busy' : 'idle',
        board: this.boards.get(spec.id)?.state ?? 'stopped',
        lease: lease
          ? {
              id: lease.id,
              jobId: lease.jobId,
              owner: lease.owner,
              acquiredAt: lease.acquiredAt,
              expiresAt: lease.expiresAt,
            }
          : null,
        waiting: this.scheduler.waitingFor(spec.id),
        health,
        firmware: f
          ? {
              buildHash: f.buildHash,
              firmwareVersion: f.firmwareVersion,
              kernelSet: f.kernelSet,
              compiler: f.compiler,
            }
          : null,
      };
    });
  }

  /** Runs one job to its end; every path releases the lease. */
  async runJob(req: JobRequest, jo: JobOptions): Promise<ResultDocument> {
    const jobId = randomUUID();
    const emit = (e: JobEvent) => jo.onEvent?.(e);
    try {
      const specs = this.candidates(req.board);
      if (specs.length === 0) {
        throw new AgentError(
          'unknown-board',
          `no board with id or label "${req.board}" in the inventory`,
        );
      }
      const lease = await this.scheduler.acquire({
        candidates: specs.map((s) => s.id),
        jobId,
        owner: jo.owner,
        signal: jo.signal,
        onQueued: (ahead) => emit({ event: 'queued', jobId, ahead }),
      });
      try {
        emit({ event: 'leased', jobId, boardId: lease.boardId, leaseId: lease.id });
        const spec = specs.find((s) => s.id === lease.boardId) as BoardSpec;
        const result = await this.runLeased(spec, req, jobId, jo, emit);
        emit({ event: 'result', jobId, result });
        return result;
      } finally {
        this.scheduler.release(lease);
      }
    } catch (e) {
      emit({ event: 'error', jobId, code: codeOf(e), message: messageOf(e) });
      throw e;
    }
  }

  private async runLeased(
    spec: BoardSpec,
    req: JobRequest,
    jobId: string,
    jo: JobOptions,
    emit: (e: JobEvent) => void,
  ): Promise<ResultDocument> {
    const board = this.board(spec);
    const scale = this.opts.timeoutScale ?? 1;
    const startMs = (this.opts.startTimeoutMs ?? 60_000) * scale;
    for (let attempt = 0; ; attempt++) {
      try {
        let facts: DeviceFacts;
        if (this.dirty.has(spec.id) || attempt > 0) {
          this.log(
            `board ${spec.id}: reset${attempt > 0 ? ' after a failure' : ' (previous job cut off)'}`,
          );
          facts = await withTimeout(
            `board ${spec.id}: reset`,
            startMs,
            (s) => board.reset({ signal: s }),
            jo.signal,
          );
          this.dirty.delete(spec.id);
        } else {
          facts = await withTimeout(
            `board ${spec.id}: start`,
            startMs,
            (s) => board.start({ signal: s }),
            jo.signal,
          );
        }
        this.facts.set(spec.id, facts);
        this.store.setProcess(spec.id, board.process ?? null);
        const doc = await runBench(board, facts, req, {
          signal: jo.signal,
          timeoutScale: scale,
          onProgress: (p) => emit({ ...p, jobId }),
        });
        this.store.recordSuccess(spec.id);
        return doc;
      } catch (e) {
        const err = classify(e, spec.id);
        if (err.code === 'cancelled' || jo.signal?.aborted) {
          // The device may be mid-command: the next job starts with a reset.
          this.dirty.add(spec.id);
          throw err.code === 'cancelled'
            ? err
            : new AgentError('cancelled', `job ${jobId}: cancelled`, { cause: e });
        }
        if (!err.boardFault) throw err;
        this.dirty.add(spec.id);
        if (attempt === 0) {
          this.log(`board ${spec.id}: ${err.message}; resetting and retrying once`);
          continue;
        }
        if (this.store.recordFailure(spec.id, err.code, err.message)) {
          this.log(`board ${spec.id}: quarantined after repeated failures`);
          await board.stop().catch(() => {});
        }
        throw err;
      }
    }
  }

  /** Puts a quarantined board back in service. */
  unquarantine(boardId: string): void {
    this.store.clearHealth(boardId);
    this.scheduler.pump();
  }

  async close(): Promise<void> {
    this.scheduler.close('agent shutting down');
    await Promise.all([...this.boards.values()].map((b) => b.stop().catch(() => {})));
    for (const id of this.boards.keys()) this.store.setProcess(id, null);
    this.boards.clear();
  }
}

/**
 * Maps any failure to an AgentError. Device statuses (the firmware refused the model or
 * the request) are the job's fault; a silent or broken link is the board's.
 */
export function classify(e: unknown, boardId: string): AgentError {
  if (e instanceof AgentError) return e;
  const name = e instanceof Error ? e.name : '';
  const msg = `board ${boardId}: ${messageOf(e)}`;
  if (name === 'DeviceError') {
    const code = codeOf(e);
    const rejected =
      code === 'model-too-large' || code.startsWith('unsupported') || code.startsWith('model-');
    return new AgentError(rejected ? 'model-rejected' : 'device-error', msg, {
      cause: e,
      boardFault: false,
    });
  }
  if (name === 'ClientError') {
    const code = codeOf(e);
    if (code === 'closed')
      return new AgentError('board-failed', msg, { cause: e, boardFault: true });
    return new AgentError(code === 'model-too-large' ? 'model-rejected' : 'device-error', msg, {
      cause: e,
      boardFault: false,
    });
  }
  if (name === 'TransportError' || name === 'ProtocolError' || name === 'DeviceTimeoutError') {
    return new AgentError('board-failed', msg, { cause: e, boardFault: true });
  }
  const code = codeOf(e);
  if (code === 'timeout' || code === 'no-answer')
    return new AgentError('timeout', msg, { cause: e });
  if (
    name === 'SchemaError' ||
    name === 'AnalysisError' ||
    name === 'ModelError' ||
    name === 'DatasetError' ||
    name === 'RunnerError'
  ) {
    return new AgentError('bad-request', messageOf(e), { cause: e, boardFault: false });
  }
  return new AgentError('device-error', msg, { cause: e, boardFault: false });
}
