// What one action run decided, whichever mode produced it, and the pieces of Markdown
// both modes add below the rendered report.
import type { Verdict } from '../compare/index.ts';
import { escapeText } from '../report/index.ts';

/** Every output of action.yml (test/action/action-yml.test.ts keeps the two equal). */
export const OUTPUT_NAMES = ['verdict', 'result-paths', 'report'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

/** 'skipped': no selected model changed; 'refused': a fork's code was not run. */
export type ActionVerdict = Verdict | 'skipped' | 'refused';

export interface Outcome {
  verdict: ActionVerdict;
  /** The sticky comment's marker (one per configuration file). */
  marker: string;
  /** The report: the PR comment's body (it starts with the marker). */
  markdown: string;
  /** Result documents written (measure) or read (comment). */
  resultPaths: string[];
  /** The pull request to comment on, when there is one. */
  pullRequest: number | null;
  /**
   * 'upsert': create or update the sticky comment; 'update': only refresh one that exists
   * (nothing measured: a pull request that never touched a model gets no comment);
   * 'none': never comment (push, dispatch).
   */
  comment: 'upsert' | 'update' | 'none';
}

/** The step's outputs of an outcome. */
export function outputsOf(o: Outcome): Record<OutputName, string> {
  return { verdict: o.verdict, 'result-paths': JSON.stringify(o.resultPaths), report: o.markdown };
}

/** A "Notes" section: one escaped bullet per line; '' without lines. */
export function notesSection(title: string, lines: readonly string[]): string {
  if (lines.length === 0) return '';
  return `\n### ${title}\n\n${lines.map((l) => `- ${escapeText(l)}`).join('\n')}\n`;
}

const SKIPPED_LINE = '## ⏭️ tinyml-gate: no model changed, nothing measured';

/** The report of a run that measured nothing: the marker, the verdict line, the reasons. */
export function skippedReport(
  marker: string,
  skipped: readonly { model: string; reason: string }[],
): string {
  const lines = skipped.map(
    (s) => `- **${escapeText(s.model)}**: not measured: ${escapeText(s.reason)}.`,
  );
  return `${marker}\n${SKIPPED_LINE}\n\n${lines.join('\n')}\n`;
}

/** The report of a refused fork pull request. */
export function refusedReport(marker: string, reason: string): string {
  return `${marker}\n## ⛔ tinyml-gate: not run\n\n${escapeText(reason)}.\n`;
}
