// A small command-line parser: long flags only (plus -h), typed by a spec, strict about
// anything it does not know, so that a typo is a usage error rather than a silent default.

/** A command line that does not fit the command's usage; the CLI exits 2 on it. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Flag name (without the dashes) to kind: a boolean switch or a flag taking a value. */
export type FlagSpec = Record<string, 'boolean' | 'string'>;

export interface ParsedArgs {
  positionals: string[];
  /** Boolean flags that were given map to true; string flags to their (last) value. */
  flags: Map<string, string | true>;
}

/**
 * Parses `--name`, `--name=value`, `--name value` (string flags), `-h` (as --help when
 * the spec has it) and `--` (everything after is positional). A lone `-` is positional.
 */
export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' && spec.help === 'boolean') {
      flags.set('help', true);
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) throw new UsageError(`unknown option --${name}`);
    if (kind === 'boolean') {
      if (eq !== -1) throw new UsageError(`option --${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    if (value === undefined || value === '') {
      throw new UsageError(`option --${name} needs a value`);
    }
    flags.set(name, value);
  }
  return { positionals, flags };
}
