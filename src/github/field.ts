// Typed reading of an untrusted JSON payload by dotted path, failing with a GitHubError
// that names the source and the full path of the field (pull_request.labels.2.name).
import { GitHubError } from './errors.ts';

/** Typed access to a payload by dotted path; failures name the source and the field. */
export class Field {
  constructor(
    readonly value: unknown,
    readonly source: string,
    readonly prefix = '',
  ) {}

  get(path: string): unknown {
    let v: unknown = this.value;
    for (const seg of path.split('.')) {
      if (typeof v !== 'object' || v === null) return undefined;
      v = (v as Record<string, unknown>)[seg];
    }
    return v;
  }

  fail(path: string, what: string): never {
    throw new GitHubError('bad-event', `${this.source}: ${this.prefix}${path} ${what}`);
  }

  string(path: string): string {
    const v = this.get(path);
    if (typeof v !== 'string') this.fail(path, 'must be a string');
    return v;
  }

  /** null when the field, or the object `nullParent` that holds it, is null. */
  nullableString(path: string, nullParent?: string): string | null {
    if (nullParent !== undefined && this.get(nullParent) === null) return null;
    const v = this.get(path);
    if (v === null) return null;
    if (typeof v !== 'string') this.fail(path, 'must be a string or null');
    return v;
  }

  integer(path: string): number {
    const v = this.get(path);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(path, 'must be an integer');
    return v;
  }

  optionalBoolean(path: string): boolean | undefined {
    const v = this.get(path);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.fail(path, 'must be a boolean');
    return v;
  }

  /** The elements of a list, each with its position in failures (labels.2.name). */
  items(path: string): Field[] {
    const v = this.get(path);
    if (!Array.isArray(v)) this.fail(path, 'must be a list');
    return v.map((x, i) => new Field(x, this.source, `${this.prefix}${path}.${i}.`));
  }

  object(path: string): Field {
    const v = this.get(path);
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      this.fail(path, 'must be an object');
    return new Field(v, this.source, `${this.prefix}${path}.`);
  }
}
