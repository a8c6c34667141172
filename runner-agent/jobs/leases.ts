// Leases and board health, persisted in a state file so that an agent killed in the
// middle of a job leaves nothing stuck: the next agent drops every lease whose owner
// process is gone or whose time ran out. Writes go to a temporary file renamed over the
// old one, so a kill mid-write leaves either the old or the new state, never half.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { AgentError } from './errors.ts';

export interface Lease {
  id: string;
  boardId: string;
  jobId: string;
  /** Who asked: an API client description or 'in-process'. */
  owner: string;
  /** The agent process holding the lease; a lease of a dead process is stale. */
  pid: number;
  acquiredAt: string;
  /** Renewed while the job runs; a lease past it is stale. */
  expiresAt: string;
}

export interface BoardHealth {
  consecutiveFailures: number;
  quarantined: boolean;
  lastError?: { code: string; message: string; at: string };
}

/** A process an agent started for a board (QEMU): killed when its agent is found dead. */
export interface BoardProcess {
  pid: number;
  /** Program name or path: checked against /proc/<pid>/cmdline before a kill (pids are reused). */
  program: string;
  agentPid: number;
}

interface StateFile {
  schemaVersion: 1;
  leases: Lease[];
  health: Record<string, BoardHealth>;
  processes?: Record<string, BoardProcess>;
}

/** Failures in a row that quarantine a board. */
export const QUARANTINE_AFTER = 2;

export class LeaseStore {
  private leases = new Map<string, Lease>();
  private health = new Map<string, BoardHealth>();
  private processes = new Map<string, BoardProcess>();
  /** Leases found stale at load time (reported in the agent's log). */
  readonly recovered: Lease[] = [];
  /** Board processes of dead agents killed at load time. */
  readonly killed: (BoardProcess & { boardId: string })[] = [];

  /** `path` null keeps the state in memory only (in-process runs). */
  constructor(
    readonly path: string | null,
    private readonly isAlive: (pid: number) => boolean = processAlive,
  ) {
    if (path !== null) this.load(path);
  }

  private load(path: string): void {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new AgentError('state-file', `${path}: cannot read (${(e as Error).message})`);
    }
    let doc: StateFile;
    try {
      doc = JSON.parse(text) as StateFile;
    } catch {
      // A corrupt file must not keep the agent down: start clean and say so in `recovered`.
      this.persist();
      return;
    }
    if (doc?.schemaVersion !== 1 || !Array.isArray(doc.leases)) {
      throw new AgentError('state-file', `${path}: not a lease state file (schemaVersion 1)`);
    }
    const now = Date.now();
    for (const l of doc.leases) {
      const stale = !this.isAlive(l.pid) || l.pid === process.pid || Date.parse(l.expiresAt) < now;
      if (stale) this.recovered.push(l);
      else this.leases.set(l.id, l);
    }
    for (const [id, h] of Object.entries(doc.health ?? {})) this.health.set(id, h);
    for (const [boardId, p] of Object.entries(doc.processes ?? {})) {
      if (this.isAlive(p.agentPid) && p.agentPid !== process.pid) {
        this.processes.set(boardId, p);
      } else if (this.isAlive(p.pid) && commandLineHas(p.pid, p.program)) {
        // An emulator orphaned by a killed agent would hold its pty and CPU forever.
        try {
          process.kill(p.pid, 'SIGKILL');
          this.killed.push({ ...p, boardId });
        } catch {
          // already gone
        }
      }
    }
    if (
      this.recovered.length > 0 ||
      this.killed.length > 0 ||
      Object.keys(doc.processes ?? {}).length > 0
    ) {
      this.persist();
    }
  }

  private persist(): void {
    if (this.path === null) return;
    const doc: StateFile = {
      schemaVersion: 1,
      leases: [...this.leases.values()],
      health: Object.fromEntries(this.health),
      processes: Object.fromEntries(this.processes),
    };
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      writeFileSync(tmp, JSON.stringify(doc, null, 2) + '\n');
      renameSync(tmp, this.path);
    } catch (e) {
      throw new AgentError('state-file', `${this.path}: cannot write (${(e as Error).message})`);
    }
  }

  /** The live lease on a board, if any (held by this or another agent process). */
  holder(boardId: string): Lease | undefined {
    for (const l of this.leases.values()) if (l.boardId === boardId) return l;
    return undefined;
  }

  all(): Lease[] {
    return [...this.leases.values()];
  }

  create(boardId: string, jobId: string, owner: string, ttlMs: number): Lease {
    const now = Date.now();
    const lease: Lease = {
      id: randomUUID(),
      boardId,
      jobId,
      owner,
      pid: process.pid,
      acquiredAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttlMs).toISOString(),
    };
    this.leases.set(lease.id, lease);
    this.persist();
    return lease;
  }

  renew(id: string, ttlMs: number): void {
    const l = this.leases.get(id);
    if (!l) return;
    l.expiresAt = new Date(Date.now() + ttlMs).toISOString();
    this.persist();
  }

  /** Idempotent: releasing twice (job end and disconnect racing) is harmless. */
  release(id: string): boolean {
    const had = this.leases.delete(id);
    if (had) this.persist();
    return had;
  }

  /** Drops leases of other processes that died or expired since load (checked on demand). */
  sweep(): Lease[] {
    const now = Date.now();
    const dropped: Lease[] = [];
    for (const l of this.leases.values()) {
      if (l.pid !== process.pid && (!this.isAlive(l.pid) || Date.parse(l.expiresAt) < now)) {
        dropped.push(l);
      }
    }
    for (const l of dropped) this.leases.delete(l.id);
    if (dropped.length > 0) this.persist();
    return dropped;
  }

  /** Records (or with null forgets) the process of a board started by this agent. */
  setProcess(boardId: string, p: { pid: number; program: string } | null): void {
    const old = this.processes.get(boardId);
    if (p === null) {
      if (!old) return;
      this.processes.delete(boardId);
    } else {
      if (old?.pid === p.pid) return;
      this.processes.set(boardId, { ...p, agentPid: process.pid });
    }
    this.persist();
  }

  healthOf(boardId: string): BoardHealth {
    return this.health.get(boardId) ?? { consecutiveFailures: 0, quarantined: false };
  }

  recordSuccess(boardId: string): void {
    const h = this.healthOf(boardId);
    if (h.consecutiveFailures === 0 && !h.quarantined) return;
    this.health.set(boardId, { consecutiveFailures: 0, quarantined: false });
    this.persist();
  }

  /** Returns true when this failure quarantined the board. */
  recordFailure(boardId: string, code: string, message: string): boolean {
    const h = this.healthOf(boardId);
    const failures = h.consecutiveFailures + 1;
    const quarantined = failures >= QUARANTINE_AFTER;
    this.health.set(boardId, {
      consecutiveFailures: failures,
      quarantined,
      lastError: { code, message, at: new Date().toISOString() },
    });
    this.persist();
    return quarantined && !h.quarantined;
  }

  /** Puts a quarantined board back in service (an operator fixed it). */
  clearHealth(boardId: string): void {
    this.health.delete(boardId);
    this.persist();
  }
}

/** Whether /proc says `pid` runs `program` (false where /proc is missing: never kill blind). */
function commandLineHas(pid: number, program: string): boolean {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return argv0 === program || basename(argv0) === basename(program);
  } catch {
    return false;
  }
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A zombie (exited, not yet reaped: an orphan in a container whose init does not reap)
  // still takes signals but is dead.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}
