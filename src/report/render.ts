// The report: one Markdown document for the sticky PR comment and the job summary.
// Order: the marker, the verdict line, the reasons, then per model and board a summary
// table and a collapsible per-layer diff. When the document would exceed maxChars the
// least useful parts go first (the charts, then per-layer rows from the least regressed
// up, then whole per-layer sections, then summary tables, then reasons), and a note says
// how much was left out and where the full figures are. Layout: docs/report.md.
import type { Comparison, EntryComparison, Reason, Verdict } from '../compare/verdict.ts';
import { escapeText } from './escape.ts';
import { mermaidChart } from './mermaid.ts';
import { layerTable, orderLayers, pathNotes, summaryTable } from './tables.ts';

export interface RenderOptions {
  /** Hidden HTML comment that identifies the sticky comment, e.g. `<!-- tinyml-gate:config=ab12 -->`. */
  marker: string;
  /** Largest length of the document in UTF-16 code units; default 65,000 (GitHub allows 65,536). */
  maxChars?: number;
  /** Add a Mermaid bar chart of per-layer time, base vs head; default false. */
  mermaid?: boolean;
  /** Where the full results are, named in the truncation note; default 'the result documents of this run'. */
  fullResults?: string;
}

export const DEFAULT_MAX_CHARS = 65_000;

export class ReportError extends Error {
  readonly code: 'bad-marker' | 'bad-max-chars';
  constructor(code: ReportError['code'], message: string) {
    super(message);
    this.name = 'ReportError';
    this.code = code;
  }
}

const VERDICT_LINE: Record<Verdict, string> = {
  pass: '## ✅ tinyml-gate: pass',
  fail: '## ❌ tinyml-gate: fail',
  inconclusive: '## ⚠️ tinyml-gate: inconclusive',
};

/** How much of the full document to show. */
interface Cut {
  mermaid: boolean;
  /** Per-layer rows per entry; -1 leaves the per-layer sections out. */
  layerRows: number;
  /** Entries whose section is shown (summary and layers). */
  entries: number;
  reasons: number;
}

/** Renders `c` as Markdown no longer than maxChars (the verdict and marker always stay). */
export function render(c: Comparison, opts: RenderOptions): string {
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS;
  if (!/^<!--(?:(?!--)[^>])*-->$/.test(opts.marker)) {
    throw new ReportError(
      'bad-marker',
      `report marker ${JSON.stringify(opts.marker)} is not a single HTML comment <!-- ... -->`,
    );
  }
  if (!Number.isInteger(maxChars) || maxChars < 1) {
    throw new ReportError('bad-max-chars', `report maxChars ${maxChars} is not a positive integer`);
  }
  const maxLayers = Math.max(0, ...c.entries.map((e) => e.layers.length));
  const full: Cut = {
    mermaid: opts.mermaid ?? false,
    layerRows: maxLayers,
    entries: c.entries.length,
    reasons: c.reasons.length,
  };
  const fits = (cut: Cut): boolean => build(c, opts, cut).length <= maxChars;
  if (fits(full)) return build(c, opts, full);

  let cut: Cut = { ...full, mermaid: false };
  // Each step keeps the largest amount of its part that fits, found by bisection.
  const largest = (lo: number, hi: number, make: (n: number) => Cut): number => {
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(make(mid))) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  if (!fits(cut))
    cut = { ...cut, layerRows: largest(-1, maxLayers, (n) => ({ ...cut, layerRows: n })) };
  if (!fits(cut))
    cut = { ...cut, entries: largest(0, c.entries.length, (n) => ({ ...cut, entries: n })) };
  if (!fits(cut))
    cut = { ...cut, reasons: largest(0, c.reasons.length, (n) => ({ ...cut, reasons: n })) };
  const text = build(c, opts, cut);
  return text.length <= maxChars ? text : hardCut(text, maxChars);
}

/** Last resort for a tiny maxChars: whole lines from the top, within the limit. */
function hardCut(text: string, maxChars: number): string {
  const lines = text.split('\n');
  let out = '';
  for (const line of lines) {
    const next = out === '' ? line : `${out}\n${line}`;
    if (next.length > maxChars) break;
    out = next;
  }
  return out;
}

function build(c: Comparison, opts: RenderOptions, cut: Cut): string {
  const out: string[] = [opts.marker, VERDICT_LINE[c.verdict]];
  // The note sits right under the verdict, so that even the last-resort cut keeps it.
  const left = omitted(c, cut, opts.mermaid ?? false);
  if (left !== '') {
    const where = escapeText(opts.fullResults ?? 'the result documents of this run');
    out.push(
      '',
      `> ⚠️ Shortened to fit a GitHub comment: ${left} left out. The full figures are in ${where}.`,
    );
  }
  out.push('', headline(c));
  out.push('', ...reasonLines(c, cut.reasons));
  c.entries.slice(0, cut.entries).forEach((e) => out.push('', ...entrySection(e, cut)));
  return out.join('\n') + '\n';
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function headline(c: Comparison): string {
  const live = c.reasons.filter((r) => r.waived === undefined);
  const fails = live.filter((r) => r.outcome === 'fail').length;
  const open = live.length - fails;
  const waived = c.reasons.length - live.length;
  const models = new Set(c.entries.map((e) => e.model)).size;
  const boards = new Set(c.entries.map((e) => e.board)).size;
  const parts = [
    fails > 0 ? `${plural(fails, 'budget')} broken` : 'no budget broken',
    ...(open > 0 ? [`${open} inconclusive`] : []),
    ...(waived > 0 ? [`${waived} waived`] : []),
    `${plural(models, 'model')} on ${plural(boards, 'board')}`,
  ];
  return parts.join(' · ');
}

function omitted(c: Comparison, cut: Cut, requested: boolean): string {
  const parts: string[] = [];
  const shown = c.entries.slice(0, cut.entries);
  const layerRows = shown.reduce(
    (a, e) => a + Math.max(0, e.layers.length - Math.max(0, cut.layerRows)),
    0,
  );
  const sections = cut.layerRows < 0 ? shown.filter((e) => e.layers.length > 0).length : 0;
  if (layerRows > 0)
    parts.push(
      `${plural(layerRows, 'per-layer row')}${sections > 0 ? ` (${plural(sections, 'whole per-layer section')})` : ''}`,
    );
  if (cut.entries < c.entries.length)
    parts.push(plural(c.entries.length - cut.entries, 'model/board section'));
  if (cut.reasons < c.reasons.length) parts.push(plural(c.reasons.length - cut.reasons, 'reason'));
  if (requested && !cut.mermaid) parts.push('the charts');
  return parts.join(', ');
}

const SYMBOL = { fail: '❌', inconclusive: '⚠️' } as const;

function who(r: { model: string; board: string }): string {
  return `**${escapeText(r.model)}** on ${escapeText(r.board)}`;
}

function reasonLines(c: Comparison, limit: number): string[] {
  const out: string[] = [];
  if (c.reasons.length === 0) out.push('Every budget holds.');
  for (const r of c.reasons.slice(0, limit)) out.push(reasonLine(r));
  for (const s of c.waivers) {
    if (s.status !== 'expired' || s.covers === 0) continue;
    const w = s.waiver;
    const scope = w.model !== undefined ? ` on ${escapeText(w.model)}` : '';
    out.push(
      `- ⌛ The waiver for ${escapeText(w.metric)}${scope} (${escapeText(w.reason)}) expired after ${escapeText(w.until ?? '')} and was not applied.`,
    );
  }
  return out;
}

function reasonLine(r: Reason): string {
  const text = `${who(r)}: ${escapeText(r.kind === 'measurement' ? `measurement failed: ${r.message}` : r.message)}`;
  if (r.waived !== undefined) {
    const until = r.waived.until !== undefined ? ` until ${escapeText(r.waived.until)}` : '';
    return `- 🟡 waived${until} (${escapeText(r.waived.reason)}): ${text}`;
  }
  const expired =
    r.expiredWaiver !== undefined
      ? ` (waiver expired after ${escapeText(r.expiredWaiver.until)})`
      : '';
  return `- ${SYMBOL[r.outcome]} ${text}${expired}`;
}

function entrySection(e: EntryComparison, cut: Cut): string[] {
  const out = [`### ${escapeText(e.model)} on ${escapeText(e.board)}`, ''];
  if (e.status === 'error' || e.head === undefined) {
    out.push(`⚠️ No result: the measurement failed (${escapeText(e.error ?? 'no head result')}).`);
    return out;
  }
  out.push(context(e), '', summaryTable(e, e.head));
  if (cut.layerRows < 0 || e.layers.length === 0) return out;
  const ordered = orderLayers(e.layers);
  const rows = ordered.slice(0, cut.layerRows);
  const count = (s: string): number => e.layers.filter((l) => l.pair.status === s).length;
  const what =
    e.status === 'new'
      ? ['new model']
      : (['changed', 'added', 'removed'] as const)
          .filter((s) => count(s) > 0)
          .map((s) => `${count(s)} ${s}`);
  out.push(
    '',
    `<details><summary>Per-layer diff: ${[plural(e.layers.length, 'layer'), ...what].join(', ')}; most regressed first</summary>`,
    '',
  );
  if (rows.length > 0) out.push(layerTable(e, rows));
  if (rows.length < ordered.length) {
    out.push('', `${plural(ordered.length - rows.length, 'less regressed layer')} left out here.`);
  }
  const notes = pathNotes(e, rows);
  if (notes.length > 0) out.push('', 'Kernel path changes:', '', ...notes);
  if (cut.mermaid) out.push('', mermaidChart(e));
  out.push('', '</details>');
  return out;
}

/** One line on what the figures are: board kind, units, where the baseline came from. */
function context(e: EntryComparison): string {
  const head = e.head as NonNullable<EntryComparison['head']>;
  const b = head.board;
  const where = [b.machine, b.core, `${b.kernelSet} kernels`].filter((x) => x !== undefined);
  const kind =
    b.kind === 'emulated'
      ? `Emulated board (${escapeText(where.join(', '))}): times are instruction counts under QEMU, not hardware timing; milliseconds and energy are modelled from them.`
      : `Real board (${escapeText(where.join(', '))}, ${b.clockHz / 1e6} MHz): cycles over ${head.totals.ticks.n} repeats.`;
  const short = (sha: string): string => escapeText(sha.slice(0, 7));
  let baseline: string;
  if (e.status === 'new') baseline = 'New model: no baseline, absolute budgets only.';
  else if (e.status === 'incomparable')
    baseline = 'Baseline measured on another fingerprint: not compared, absolute budgets only.';
  else {
    const source = e.baselineSource === 'history' ? 'from history' : 're-measured';
    baseline = `Baseline ${source} at ${short(e.base?.commit.sha ?? '')}, head ${short(head.commit.sha)}.`;
  }
  return `${kind} ${baseline}`;
}
