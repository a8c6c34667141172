// Errors of the validating edge. Each has a stable `code`; messages name the file and,
// for schema problems, the JSON pointer of every offending field (and its YAML line).

/** One violation, located by JSON pointer ('' is the document root). */
export interface SchemaProblem {
  pointer: string;
  message: string;
  /** For unknown fields and bad keys: the offending key inside the object at pointer. */
  key?: string;
  /** 1-based position in the source text, when the document came from a file. */
  line?: number;
  column?: number;
}

/** Problems listed in a message before the rest is summarised as "and N more". */
export const MAX_LISTED_PROBLEMS = 10;

/** `<source>[:line:col]: <pointer>: <message>`, one per line, then "and N more". */
export function formatProblems(source: string, problems: readonly SchemaProblem[]): string {
  const lines = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => {
    const where = p.line === undefined ? source : `${source}:${p.line}:${p.column ?? 1}`;
    return `${where}: ${p.pointer === '' ? '/' : p.pointer}: ${p.message}`;
  });
  const rest = problems.length - MAX_LISTED_PROBLEMS;
  if (rest > 0) lines.push(`${source}: and ${rest} more problem${rest === 1 ? '' : 's'}`);
  return lines.join('\n');
}

/** A document that does not follow its schema (or a rule the schema cannot express). */
export class SchemaError extends Error {
  readonly code = 'schema-invalid';
  readonly source: string;
  readonly problems: readonly SchemaProblem[];

  constructor(source: string, problems: readonly SchemaProblem[]) {
    super(formatProblems(source, problems));
    this.name = 'SchemaError';
    this.source = source;
    this.problems = problems;
  }
}

export type DocumentErrorCode =
  /** The path does not exist. */
  | 'file-missing'
  /** It exists but cannot be read (a directory, no permission). */
  | 'file-unreadable'
  /** Nothing but whitespace and comments. */
  | 'file-empty'
  /** Not valid YAML or JSON. */
  | 'syntax'
  /** Parsed, but the top level is not a mapping. */
  | 'not-an-object';

/** A configuration, inventory or result file that cannot be turned into a document. */
export class DocumentError extends Error {
  readonly code: DocumentErrorCode;
  readonly source: string;
  /** 1-based position of a syntax error. */
  readonly line?: number;
  readonly column?: number;

  constructor(
    code: DocumentErrorCode,
    source: string,
    message: string,
    at?: { line: number; column: number },
  ) {
    super(`${at === undefined ? source : `${source}:${at.line}:${at.column}`}: ${message}`);
    this.name = 'DocumentError';
    this.code = code;
    this.source = source;
    this.line = at?.line;
    this.column = at?.column;
  }
}
