// Comment mode: the result documents of other jobs (the fork-safe measure workflow, or
// one matrix job per board across runner hosts) gathered from results-dir into one
// comparison. Every job leaves a run manifest beside its documents; a job that failed
// before writing one leaves nothing, and its boards are then missing: those pairs become
// measurement errors, so the verdict is inconclusive and the report names the board.
// Artifacts are untrusted input: manifests and documents are validated, only plain file
// names beside a manifest are opened, symbolic links are not followed, and documents of
// another commit than the one being gated are set aside with a note.
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ComparePair } from '../compare/index.ts';
import type { ResolvedConfig } from '../schema/config-types.ts';
import { loadResultFile } from '../schema/load.ts';
import type { ResultDocument } from '../schema/result-types.ts';
import { MANIFEST_FILE, readManifest, type ManifestEntry } from './manifest.ts';

export interface GatherOptions {
  resultsDir: string;
  config: ResolvedConfig;
  /** The commit the pull request is at: documents of another commit are ignored. */
  headSha: string;
  /** Expected models (the models input); default the configuration's. */
  models?: string[];
  /** Expected boards (the boards input); default the configuration's. */
  boards?: string[];
}

export interface Gathered {
  pairs: ComparePair[];
  skipped: { model: string; reason: string }[];
  /** What a reader must know: ignored manifests, duplicates, jobs that left nothing. */
  notes: string[];
  /** Result documents read, absolute paths. */
  paths: string[];
  /** How many run manifests were used. */
  manifests: number;
}

export class GatherError extends Error {
  readonly code: 'no-results-dir';
  constructor(code: GatherError['code'], message: string) {
    super(message);
    this.name = 'GatherError';
    this.code = code;
  }
}

// Artifacts land in <results-dir>/<artifact>/; a little deeper is tolerated, not more.
const MAX_DEPTH = 4;

export function findManifests(dir: string, depth = 0): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    const p = path.join(dir, name);
    const st = lstatSync(p);
    if (st.isFile() && name === MANIFEST_FILE) out.push(p);
    else if (st.isDirectory() && depth < MAX_DEPTH) out.push(...findManifests(p, depth + 1));
  }
  return out;
}

interface Found {
  pair: ComparePair;
  /** Where it came from, for notes. */
  from: string;
}

export function gather(opts: GatherOptions): Gathered {
  try {
    if (!lstatSync(opts.resultsDir).isDirectory()) throw new Error('not a folder');
  } catch {
    const why = `results-dir ${opts.resultsDir} does not exist: download the measure jobs' artifacts into it`;
    throw new GatherError('no-results-dir', why);
  }
  const configured = new Set(opts.config.models.map((m) => m.name));
  const notes: string[] = [];
  const paths: string[] = [];
  const found = new Map<string, Found>();
  const skipped = new Map<string, string>();
  let manifests = 0;
  const rel = (p: string) => path.relative(opts.resultsDir, p);

  for (const file of findManifests(opts.resultsDir)) {
    let m;
    try {
      m = readManifest(file);
    } catch (e) {
      notes.push(`ignored ${rel(file)}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (m.head.sha !== opts.headSha) {
      const why = `measured commit ${m.head.sha.slice(0, 12)}, not the head ${opts.headSha.slice(0, 12)}`;
      notes.push(`ignored ${rel(file)}: ${why}`);
      continue;
    }
    manifests++;
    for (const s of m.skipped) if (configured.has(s.model)) skipped.set(s.model, s.reason);
    for (const e of m.entries) {
      if (!configured.has(e.model)) {
        notes.push(
          `ignored ${e.model} on ${e.board} in ${rel(file)}: not a model of the configuration`,
        );
        continue;
      }
      let pair: ComparePair;
      try {
        pair = pairOf(e, path.dirname(file), opts.headSha, paths);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        pair = { model: e.model, board: e.board, error: `unusable result document: ${why}` };
      }
      const key = `${e.model}\u0000${e.board}`;
      const prev = found.get(key);
      // A result outweighs an error (a re-run job); two results: the first one counts.
      if (prev === undefined || (prev.pair.head === undefined && pair.head !== undefined)) {
        if (prev !== undefined)
          notes.push(
            `${e.model} on ${e.board}: the result of ${rel(file)} replaces an error of ${prev.from}`,
          );
        found.set(key, { pair, from: rel(file) });
      } else if (pair.head !== undefined) {
        notes.push(
          `${e.model} on ${e.board}: a second result in ${rel(file)} was ignored (kept ${prev.from})`,
        );
      }
    }
  }

  const models = opts.models ?? opts.config.models.map((m) => m.name);
  const boards = opts.boards ?? opts.config.boards;
  const pairs: ComparePair[] = [];
  const used = new Set<string>();
  for (const model of models) {
    for (const board of boards) {
      const key = `${model}\u0000${board}`;
      const f = found.get(key);
      if (f !== undefined) {
        pairs.push(f.pair);
        used.add(key);
      } else if (!skipped.has(model)) {
        const error = `no result from the job of board ${board}: it failed or was cancelled before writing ${MANIFEST_FILE}`;
        pairs.push({ model, board, error });
      }
    }
  }
  // Boards no one asked for (a matrix wider than the inputs): still reported.
  for (const [key, f] of found) if (!used.has(key)) pairs.push(f.pair);
  const skippedList = [...skipped]
    .filter(([model]) => !pairs.some((p) => p.model === model && p.head !== undefined))
    .map(([model, reason]) => ({ model, reason }));
  return { pairs, skipped: skippedList, notes, paths, manifests };
}

const PLAIN_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.json$/;

function pairOf(e: ManifestEntry, dir: string, headSha: string, paths: string[]): ComparePair {
  const load = (name: string, role: 'base' | 'head'): ResultDocument => {
    if (!PLAIN_FILE.test(name))
      throw new Error(`${role} file name ${JSON.stringify(name)} is not a plain name`);
    const file = path.join(dir, name);
    if (!lstatSync(file).isFile()) throw new Error(`${name} is not a regular file`);
    const doc = loadResultFile(file);
    paths.push(file);
    return doc;
  };
  const pair: ComparePair = { model: e.model, board: e.board, baselineSource: e.baselineSource };
  if (e.error !== undefined) pair.error = e.error;
  if (e.head !== undefined) {
    const head = load(e.head, 'head');
    if (head.commit.sha !== headSha) {
      throw new Error(
        `${e.head} is of commit ${head.commit.sha.slice(0, 12)}, not ${headSha.slice(0, 12)}`,
      );
    }
    pair.head = head;
  }
  if (e.base !== undefined) pair.base = load(e.base, 'base');
  if (pair.base === undefined) pair.baselineSource = 'none';
  return pair;
}
