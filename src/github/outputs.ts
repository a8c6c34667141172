// Step outputs through the GITHUB_OUTPUT file command, in its multi-line form
// (`name<<DELIMITER`, value, `DELIMITER`) so that a Markdown report with newlines is one
// output. The delimiter is random and checked against the value, as @actions/core does.
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { GitHubError, messageOf } from './errors.ts';

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Appends each output to the file (GateContext.outputPath). Returns false when there is
 * no file (not running in Actions), so a local run can print instead.
 */
export function setOutputs(outputs: Record<string, string>, path: string | null): boolean {
  if (path === null) return false;
  let text = '';
  for (const [name, value] of Object.entries(outputs)) {
    if (!NAME_RE.test(name)) {
      throw new GitHubError(
        'file-command',
        `output name ${JSON.stringify(name)} is not a valid output id`,
      );
    }
    const delimiter = `ghadelimiter_${randomUUID()}`;
    // A uuid in a report is vanishingly unlikely; if it happens, the file would be misread.
    if (value.includes(delimiter)) {
      throw new GitHubError('file-command', `output ${name} contains its delimiter`);
    }
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  try {
    appendFileSync(path, text, 'utf8');
  } catch (e) {
    throw new GitHubError(
      'file-command',
      `GITHUB_OUTPUT ${path} cannot be written (${messageOf(e)})`,
    );
  }
  return true;
}

/**
 * Reads a GITHUB_OUTPUT file back (both the `name=value` and the `name<<DELIM` forms):
 * for tests and for a local run that wants to show what a step set.
 */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc !== null) {
      const end = lines.indexOf(heredoc[2], i + 1);
      if (end < 0)
        throw new GitHubError('file-command', `output ${heredoc[1]}: delimiter never closed`);
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}
