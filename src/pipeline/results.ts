// What a run leaves behind: every result document (validated, one JSON file per model,
// board and role) and the report, in one folder the action uploads as an artifact and the
// CLI names on stderr. File names are built from names the schemas restrict to
// [A-Za-z0-9._-], so they cannot leave the folder.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResultDocument } from '../schema/result-types.ts';
import { validate } from '../schema/validate.ts';
import { PipelineError, messageOf } from './errors.ts';

export type Role = 'base' | 'head';

export function resultFileName(model: string, board: string, role: Role): string {
  return `${model}.${board}.${role}.json`;
}

export async function writeResult(
  outDir: string,
  model: string,
  board: string,
  role: Role,
  doc: ResultDocument,
): Promise<string> {
  const file = path.join(outDir, resultFileName(model, board, role));
  // Whatever leaves the pipeline passes the schema, like everything that enters it.
  validate('result', doc, `${role} result of ${model} on ${board}`);
  try {
    await mkdir(outDir, { recursive: true });
    await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
  } catch (e) {
    throw new PipelineError('write-failed', `${file}: cannot be written (${messageOf(e)})`);
  }
  return file;
}

export async function writeReport(outDir: string, markdown: string): Promise<string> {
  const file = path.join(outDir, 'report.md');
  try {
    await mkdir(outDir, { recursive: true });
    await writeFile(file, markdown);
  } catch (e) {
    throw new PipelineError('write-failed', `${file}: cannot be written (${messageOf(e)})`);
  }
  return file;
}
