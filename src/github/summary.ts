// The job summary: the same Markdown as the PR comment, appended to the file that
// GITHUB_STEP_SUMMARY names (GitHub shows every step's summary on the run's page).
import { appendFileSync, statSync } from 'node:fs';
import { GitHubError, messageOf } from './errors.ts';

/** GitHub's limit on one step's summary file, in bytes. */
export const MAX_SUMMARY_BYTES = 1024 * 1024;

/**
 * Appends markdown (and a blank line) to the summary file (GateContext.stepSummaryPath).
 * Returns false when there is no file (not running in Actions). Refuses to grow the file
 * past GitHub's 1 MiB, which would make GitHub drop the whole summary.
 */
export function writeSummary(markdown: string, path: string | null): boolean {
  if (path === null) return false;
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    // Not created yet: the runner creates it lazily on some versions.
  }
  const text = `${markdown.endsWith('\n') ? markdown : `${markdown}\n`}\n`;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (size + bytes > MAX_SUMMARY_BYTES) {
    throw new GitHubError(
      'file-command',
      `GITHUB_STEP_SUMMARY ${path}: ${size + bytes} bytes would pass GitHub's ${MAX_SUMMARY_BYTES}-byte limit`,
    );
  }
  try {
    appendFileSync(path, text, 'utf8');
  } catch (e) {
    throw new GitHubError(
      'file-command',
      `GITHUB_STEP_SUMMARY ${path} cannot be written (${messageOf(e)})`,
    );
  }
  return true;
}
