// The two versions of every model: the head's (the working tree, or a ref) and the base's
// (`git cat-file blob <merge-base>:<path>`), hashed with SHA-256 to tell what changed. The
// base commit is the merge base of base and head, as GitHub diffs a pull request: a model
// the base branch changed after the fork point is not the pull request's change.
import { createHash } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { ModelEntry } from '../schema/config-types.ts';
import { PipelineError, messageOf } from './errors.ts';
import { commitOf, fileAt, mergeBase, repoTop } from './git.ts';

export interface Version {
  bytes: Uint8Array;
  sha256: string;
}

/**
 * 'changed': both versions exist and differ; 'unchanged': same bytes (nothing to measure);
 * 'new': the base commit has no such file; 'no-base': no base was asked for (e.g. a push);
 * 'missing': the head has no such file (an error of this model's entries).
 */
export type Change = 'changed' | 'unchanged' | 'new' | 'no-base' | 'missing';

export interface ResolvedModel {
  entry: ModelEntry;
  change: Change;
  head: Version | null;
  base: Version | null;
  /** The float reference at head and base (host float accuracy), when configured and present. */
  floatHead: Version | null;
  floatBase: Version | null;
  /** Absolute path of the dataset manifest (read from the work tree), when configured. */
  dataset?: string;
  /** Facts a reader must see (uncommitted file, missing float reference). */
  notes: string[];
  /** Why the head version is missing, for 'missing'. */
  error?: string;
}

export interface CommitRef {
  sha: string;
  ref?: string;
}

export interface Resolution {
  head: CommitRef & { workingTree: boolean };
  /** The merge base of base and head; null without a base ref. */
  base: (CommitRef & { ref: string }) | null;
  models: ResolvedModel[];
}

export interface ResolveOptions {
  /** Base branch or commit; without it there is no baseline (every model is 'no-base'). */
  baseRef?: string;
  /** Head commit; default the work tree (files as they are on disk, commit HEAD). */
  headRef?: string;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const version = (bytes: Uint8Array): Version => ({ bytes, sha256: sha256(bytes) });

/** A configured path, checked to stay inside the repository (configurations come from PRs). */
export function repoPath(repoDir: string, file: string, field: string): string {
  const abs = path.resolve(repoDir, file);
  const rel = path.relative(repoDir, abs);
  if (path.isAbsolute(file) || rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new PipelineError(
      'bad-path',
      `${field} ${JSON.stringify(file)} is not a path inside the repository ${repoDir}`,
    );
  }
  return abs;
}

export async function resolveModels(
  repoDir: string,
  models: readonly ModelEntry[],
  opts: ResolveOptions = {},
): Promise<Resolution> {
  const top = await realpath(await repoTop(repoDir));
  const workingTree = opts.headRef === undefined;
  const head = {
    sha: await commitOf(repoDir, opts.headRef ?? 'HEAD'),
    ...(opts.headRef !== undefined ? { ref: opts.headRef } : {}),
    workingTree,
  };
  let base: Resolution['base'] = null;
  if (opts.baseRef !== undefined) {
    const tip = await commitOf(repoDir, opts.baseRef);
    const mb = await mergeBase(repoDir, tip, head.sha);
    if (mb === null) {
      throw new PipelineError(
        'bad-ref',
        `base ${JSON.stringify(opts.baseRef)} and head ${head.sha.slice(0, 12)} share no history: no merge base to compare with`,
      );
    }
    base = { sha: mb, ref: opts.baseRef };
  }

  const headVersion = async (file: string, field: string): Promise<Version | null> => {
    const abs = repoPath(repoDir, file, field);
    if (!workingTree) {
      const b = await fileAt(repoDir, head.sha, file);
      return b === null ? null : version(b);
    }
    try {
      // A committed symlink must not make the gate read (and upload) a file from outside.
      const real = await realpath(abs);
      if (path.relative(top, real).startsWith('..')) {
        throw new PipelineError(
          'bad-path',
          `${field} ${JSON.stringify(file)} links outside the repository (${real})`,
        );
      }
      return version(new Uint8Array(await readFile(real)));
    } catch (e) {
      if (e instanceof PipelineError) throw e;
      if ((e as { code?: unknown } | null)?.code === 'ENOENT') return null;
      throw new PipelineError('git-failed', `${file}: cannot be read (${messageOf(e)})`);
    }
  };
  const baseVersion = async (file: string): Promise<Version | null> => {
    if (base === null) return null;
    const b = await fileAt(repoDir, base.sha, file);
    return b === null ? null : version(b);
  };

  const out: ResolvedModel[] = [];
  for (const entry of models) {
    const field = `models[${entry.name}]`;
    const notes: string[] = [];
    const h = await headVersion(entry.path, `${field}.path`);
    const b = await baseVersion(entry.path);
    let floatHead: Version | null = null;
    let floatBase: Version | null = null;
    if (entry.floatReference !== undefined) {
      floatHead = await headVersion(entry.floatReference, `${field}.floatReference`);
      floatBase = await baseVersion(entry.floatReference);
      if (floatHead === null) {
        notes.push(
          `float reference ${entry.floatReference} not found at head: no host float accuracy`,
        );
      }
    }
    const r: ResolvedModel = {
      entry,
      change: 'changed',
      head: h,
      base: b,
      floatHead,
      floatBase,
      notes,
    };
    if (entry.dataset !== undefined)
      r.dataset = repoPath(repoDir, entry.dataset, `${field}.dataset`);
    if (h === null) {
      r.change = 'missing';
      r.error = `${entry.path} does not exist at head ${workingTree ? '(work tree)' : head.sha.slice(0, 12)}`;
    } else if (base === null) r.change = 'no-base';
    else if (b === null) r.change = 'new';
    else if (b.sha256 === h.sha256) r.change = 'unchanged';
    if (workingTree && h !== null) {
      const committed = await fileAt(repoDir, head.sha, entry.path);
      if (committed === null || sha256(committed) !== h.sha256) {
        notes.push(
          `${entry.path}: measured as it is in the work tree, which differs from commit ${head.sha.slice(0, 12)} (uncommitted change)`,
        );
      }
    }
    out.push(r);
  }
  return { head, base, models: out };
}
