// Throwaway git repositories for the pipeline tests: a base commit on main, a PR branch on
// top, files written and committed through the real git CLI.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const LENET = path.join(REPO_ROOT, 'examples/lenet-mnist/lenet_int8.tflite');
export const LENET_WIDE = path.join(
  REPO_ROOT,
  'examples/lenet-mnist/variants/wide/lenet_int8.tflite',
);

export class Repo {
  readonly dir: string;
  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'tg-pipeline-'));
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.email', 'test@example.com');
    this.git('config', 'user.name', 'test');
    this.git('config', 'commit.gpgsign', 'false');
  }
  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, encoding: 'utf8' }).trim();
  }
  write(file: string, content: string | Uint8Array): void {
    const abs = path.join(this.dir, file);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  copy(from: string, file: string): void {
    const abs = path.join(this.dir, file);
    mkdirSync(path.dirname(abs), { recursive: true });
    copyFileSync(from, abs);
  }
  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A configuration with the given models (name -> path) on the given boards. */
export function configYaml(
  models: Record<string, string>,
  boards: string[] = ['qemu-m4'],
  extra = '',
): string {
  const list = Object.entries(models)
    .map(([name, p]) => `  - name: ${name}\n    path: ${p}\n`)
    .join('');
  return `schemaVersion: 1\nmodels:\n${list}boards: [${boards.join(', ')}]\nrepeats: 3\nwarmup: 0\n${extra}`;
}
