// The gate in four calls: load the configuration, resolve the models at head and base,
// measure what changed (head, then its baseline), compare and render. The action and the
// CLI both call runPipeline; neither knows about git, boards or budgets beyond it.
import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compare, type ComparePair, type Comparison } from '../compare/index.ts';
import { analyzeModel } from '../model/analysis.ts';
import { readModel } from '../model/reader.ts';
import { escapeText, render } from '../report/index.ts';
import type { BaselineMode } from '../schema/config-types.ts';
import { loadConfigFile, parseConfigText } from '../schema/load.ts';
import type { ResultDocument } from '../schema/result-types.ts';
import type { HistoryStore } from './baseline.ts';
import { PipelineError, messageOf } from './errors.ts';
import { commitOf, fileAt } from './git.ts';
import { measureEntry, type BenchFn, type MeasureContext } from './measure.ts';
import { plan } from './plan.ts';
import { resolveModels, type ResolvedModel } from './resolve.ts';
import { writeReport, writeResult } from './results.ts';

export type { BenchFn } from './measure.ts';
export type { HistoryStore } from './baseline.ts';

export interface PipelineOptions {
  /** tinyml-gate.yml; relative paths are taken from repoDir. */
  configPath: string;
  /** The repository under test (a git work tree). */
  repoDir: string;
  /** Base branch or commit; the baseline is its merge base with head. Default: no baseline. */
  baseRef?: string;
  /** Head commit; default the work tree as it is on disk (commit HEAD). */
  headRef?: string;
  bench: BenchFn;
  history?: HistoryStore;
  /** Board ids or labels instead of the configuration's. */
  boards?: string[];
  /** Only these models of the configuration. */
  models?: string[];
  /** Default: the configuration's baseline.mode. */
  baselineMode?: BaselineMode;
  /** Where result documents and report.md go; default a new temporary folder. */
  outDir?: string;
  /** Progress lines (resolving, analysing, measuring, comparing). */
  log?: (line: string) => void;
  /** Decides which waivers expired; default now. */
  now?: Date;
  /** Sticky-comment marker; default reportMarker(config path relative to repoDir). */
  marker?: string;
  /** Add the Mermaid per-layer charts; default false. */
  mermaid?: boolean;
}

export interface PipelineResult {
  comparison: Comparison;
  markdown: string;
  results: { path: string; doc: ResultDocument; role: 'base' | 'head' }[];
  skipped: { model: string; reason: string }[];
  verdict: 'pass' | 'fail' | 'inconclusive';
  /** The folder holding the result documents and report.md. */
  outDir: string;
}

const MODES: readonly BaselineMode[] = ['remeasure', 'history', 'auto'];

/** `<!-- tinyml-gate:config=<12 hex> -->`: one sticky comment per configuration file. */
export function reportMarker(configRelPath: string): string {
  const id = createHash('sha256').update(configRelPath.split(path.sep).join('/')).digest('hex');
  return `<!-- tinyml-gate:config=${id.slice(0, 12)} -->`;
}

export async function runPipeline(opts: PipelineOptions): Promise<PipelineResult> {
  const log = opts.log ?? (() => {});
  const repoDir = path.resolve(opts.repoDir);
  const configFile = path.resolve(repoDir, opts.configPath);
  const config = await loadConfig(repoDir, configFile, opts.headRef);
  const mode = opts.baselineMode ?? config.baseline.mode;
  if (!MODES.includes(mode)) {
    throw new PipelineError(
      'bad-option',
      `baseline mode ${JSON.stringify(mode)} is not one of ${MODES.join(', ')}`,
    );
  }
  const p = plan(config, {
    ...(opts.models !== undefined ? { models: opts.models } : {}),
    ...(opts.boards !== undefined ? { boards: opts.boards } : {}),
  });

  log(
    `resolving ${p.models.length} model(s) at head ${opts.headRef ?? '(work tree)'}` +
      (opts.baseRef !== undefined ? ` and base ${opts.baseRef}` : ', no base given'),
  );
  const res = await resolveModels(repoDir, p.models, {
    ...(opts.baseRef !== undefined ? { baseRef: opts.baseRef } : {}),
    ...(opts.headRef !== undefined ? { headRef: opts.headRef } : {}),
  });
  if (res.base !== null)
    log(`base commit ${res.base.sha.slice(0, 12)} (merge base with ${res.base.ref})`);

  const skipped: PipelineResult['skipped'] = [];
  const toMeasure: ResolvedModel[] = [];
  for (const m of res.models) {
    const reason = skipReason(m, res.base?.sha);
    if (reason !== null) {
      log(`${m.entry.name}: skipped, ${reason}`);
      skipped.push({ model: m.entry.name, reason });
      continue;
    }
    analyse(m, log);
    toMeasure.push(m);
  }

  const ctx: MeasureContext = {
    bench: opts.bench,
    repeats: config.repeats,
    warmup: config.warmup,
    mode,
    ...(opts.history !== undefined ? { history: opts.history } : {}),
    headCommit: res.head,
    baseCommit: res.base,
    log,
    floatCache: new Map(),
  };
  const pairs: ComparePair[] = [];
  const notes: { model: string; board: string; line: string }[] = [];
  const docs: { model: string; board: string; role: 'base' | 'head'; doc: ResultDocument }[] = [];
  for (const m of toMeasure) {
    for (const board of p.boards) {
      const r = await measureEntry(ctx, m, board);
      pairs.push(r.pair);
      for (const line of r.notes) notes.push({ model: m.entry.name, board, line });
      if (r.head !== undefined)
        docs.push({ model: m.entry.name, board, role: 'head', doc: r.head });
      if (r.base !== undefined)
        docs.push({ model: m.entry.name, board, role: 'base', doc: r.base });
      if (r.pair.error !== undefined) log(`${m.entry.name} on ${board}: ${r.pair.error}`);
    }
  }

  log(`comparing ${pairs.length} model/board pair(s)`);
  const comparison = compare({
    config,
    pairs,
    ...(opts.now !== undefined ? { now: opts.now } : {}),
  });
  const outDir = opts.outDir ?? (await mkdtemp(path.join(tmpdir(), 'tinyml-gate-')));
  const tail = notesSection(skipped, notes);
  const body = render(comparison, {
    marker: opts.marker ?? reportMarker(path.relative(repoDir, configFile)),
    mermaid: opts.mermaid ?? false,
    fullResults: `the result documents of this run (${path.basename(outDir)})`,
    // The notes go below the rendered part, inside GitHub's limit too.
    maxChars: Math.max(4_000, 65_000 - tail.length),
  });
  const markdown = body + tail;
  const results: PipelineResult['results'] = [];
  for (const d of docs) {
    const file = await writeResult(outDir, d.model, d.board, d.role, d.doc);
    results.push({ path: file, doc: d.doc, role: d.role });
  }
  await writeReport(outDir, markdown);
  log(`verdict ${comparison.verdict}; results in ${outDir}`);
  return { comparison, markdown, results, skipped, verdict: comparison.verdict, outDir };
}

/**
 * The configuration the head commit carries: the file on disk for the work tree, the blob
 * at headRef otherwise (so that a PR's budget or model list change is the one applied).
 */
async function loadConfig(repoDir: string, configFile: string, headRef?: string) {
  if (headRef === undefined) return loadConfigFile(configFile);
  const rel = path.relative(repoDir, configFile);
  const sha = await commitOf(repoDir, headRef);
  const bytes = rel.startsWith('..') ? null : await fileAt(repoDir, sha, rel);
  if (bytes === null) {
    throw new PipelineError(
      'config-missing',
      `${rel}: no such file at head ${headRef} (${sha.slice(0, 12)})`,
    );
  }
  return parseConfigText(Buffer.from(bytes).toString('utf8'), `${rel}@${headRef}`);
}

/** Why a model needs no measurement, or null when it does. */
function skipReason(m: ResolvedModel, baseSha: string | undefined): string | null {
  if (m.change !== 'unchanged' || m.head === null) return null;
  return `unchanged since the base commit ${baseSha?.slice(0, 12) ?? ''} (${m.entry.path}, sha256 ${m.head.sha256.slice(0, 12)})`;
}

/**
 * Host analysis (stage A) of both versions before any board time: an unreadable model
 * fails here with a message naming it, and the log shows what is about to be measured.
 */
function analyse(m: ResolvedModel, log: (line: string) => void): void {
  const describe = (bytes: Uint8Array, which: string): string => {
    const a = analyzeModel(readModel(bytes, `${m.entry.path} (${which})`), bytes, m.entry.name);
    return `${which} ${a.totals.layers} layers, ${a.totals.macs.toLocaleString('en-US')} MACs, ${a.bytes.toLocaleString('en-US')} bytes`;
  };
  try {
    if (m.head === null) return;
    const parts = [describe(m.head.bytes, 'head')];
    if (m.change === 'changed' && m.base !== null) parts.push(describe(m.base.bytes, 'base'));
    log(`analysing ${m.entry.name} (${m.change}): ${parts.join('; ')}`);
  } catch (e) {
    // Every entry of this model becomes an error (inconclusive); no board time is spent.
    m.error = `${m.entry.path}: not a model the gate can read (${messageOf(e)})`;
    m.head = null;
    m.change = 'missing';
  }
}

function notesSection(
  skipped: readonly { model: string; reason: string }[],
  notes: readonly { model: string; board: string; line: string }[],
): string {
  const lines: string[] = [];
  for (const s of skipped) {
    lines.push(`- **${escapeText(s.model)}**: not measured: ${escapeText(s.reason)}.`);
  }
  for (const n of notes) {
    lines.push(`- **${escapeText(n.model)}** on ${escapeText(n.board)}: ${escapeText(n.line)}.`);
  }
  return lines.length === 0 ? '' : `\n### Notes\n\n${lines.join('\n')}\n`;
}
