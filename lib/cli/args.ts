import { parseArgs } from 'util';
import { suggestion } from '../util/suggestion';

export { suggestion };

/** A command-line mistake: its message says what was wrong and how to ask for help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * An option of a command: `--name value` (or `--name=value`), or a flag `--name` without value.
 * `int` accepts integers >= 0, `number` finite numbers, `list` comma-separated words.
 */
export interface OptionSpec {
  name: string;
  kind: 'string' | 'int' | 'number' | 'flag' | 'list';
  /** The allowed values of a string (or of each word of a list). */
  choices?: readonly string[];
  /** The value's name in the help, e.g. `N` or `DIR`. */
  placeholder?: string;
  description: string;
}

/** A command: its words, options and help text. */
export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Positional arguments, in order; `optional` ones may be left out (only at the end). */
  positionals: { name: string; description: string; optional?: boolean }[];
  options: OptionSpec[];
  /** Paragraphs after the option list: defaults, examples. */
  details?: string;
}

export type OptionValue = string | number | boolean | string[];

/** What `parseCommand` found: positional words and option values by option name (absent when not given). */
export interface ParsedCommand {
  positionals: string[];
  options: Record<string, OptionValue>;
  /** `-h` or `--help` was given (everything else is then ignored). */
  help: boolean;
}

const HELP_OPTION: OptionSpec = { name: 'help', kind: 'flag', description: 'show this help' };

function parseValue(spec: OptionSpec, raw: string, command: string): OptionValue {
  const where = `${command}: --${spec.name}`;
  switch (spec.kind) {
    case 'int': {
      const v = Number(raw);
      if (!(/^\d+$/.test(raw) && Number.isSafeInteger(v))) throw new UsageError(`${where} needs an integer >= 0, got '${raw}'`);
      return v;
    }
    case 'number': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`${where} needs a number, got '${raw}'`);
      return v;
    }
    case 'list': {
      const words = raw.split(',').map((w) => w.trim()).filter((w) => w !== '');
      if (words.length === 0) throw new UsageError(`${where} needs a comma-separated list, got '${raw}'`);
      for (const w of words) {
        if (spec.choices && !spec.choices.includes(w)) throw new UsageError(`${where}: '${w}' is not one of ${spec.choices.join(', ')}${suggestion(w, spec.choices)}`);
      }
      return words;
    }
    default:
      if (spec.choices && !spec.choices.includes(raw)) throw new UsageError(`${where} must be one of ${spec.choices.join(', ')}, got '${raw}'${suggestion(raw, spec.choices)}`);
      return raw;
  }
}

/**
 * Parses a command's arguments (the words after the command name) against its spec. Unknown options, missing or
 * malformed values, repeated options and a wrong number of positional words are `UsageError`s naming the problem.
 * `--` ends the options.
 *
 * Node's `util.parseArgs` splits the words into tokens; it runs non-strict so that every mistake is reported here in
 * this CLI's own words (with "did you mean" suggestions) rather than as Node's generic errors, and so that a value
 * may start with a dash (`--lr -0.5`).
 */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedCommand {
  const options: Record<string, OptionValue> = {};
  const positionals: string[] = [];
  const all = [...spec.options, HELP_OPTION];
  const hint = `run 'blockwise-ssl ${spec.name} --help' for its options`;
  if (argv.includes('-h') || argv.includes('--help')) return { positionals, options, help: true };
  const { tokens } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(all.map((o) => [o.name, { type: o.kind === 'flag' ? ('boolean' as const) : ('string' as const) }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    // parseArgs splits `-abc` into three tokens; the message names the word as it was typed.
    if (token.rawName !== `--${token.name}`) throw new UsageError(`${spec.name}: unknown option '${argv[token.index]}'; ${hint}`);
    const name = token.name;
    const option = all.find((o) => o.name === name);
    if (!option) throw new UsageError(`${spec.name}: unknown option '--${name}'${suggestion(`--${name}`, all.map((o) => `--${o.name}`))}; ${hint}`);
    if (name in options) throw new UsageError(`${spec.name}: --${name} is given twice`);
    if (option.kind === 'flag') {
      if (token.inlineValue) throw new UsageError(`${spec.name}: --${name} takes no value`);
      options[name] = true;
      continue;
    }
    const raw = token.value;
    if (raw === undefined || (!token.inlineValue && raw.startsWith('--') && raw.length > 2)) {
      throw new UsageError(`${spec.name}: --${name} needs a value (${option.placeholder ?? option.kind})`);
    }
    options[name] = parseValue(option, raw, spec.name);
  }
  const required = spec.positionals.filter((p) => !p.optional).length;
  if (positionals.length < required) {
    const missing = spec.positionals.slice(positionals.length, required).map((p) => `<${p.name}>`);
    throw new UsageError(`${spec.name}: missing ${missing.join(' ')}; ${hint}`);
  }
  if (positionals.length > spec.positionals.length) {
    throw new UsageError(`${spec.name}: unexpected argument '${positionals[spec.positionals.length]}'; ${hint}`);
  }
  return { positionals, options, help: false };
}

/** The `--help` text of a command: usage line, arguments, options (aligned), details. */
export function commandHelp(spec: CommandSpec): string {
  const words = spec.positionals.map((p) => (p.optional ? `[${p.name}]` : `<${p.name}>`));
  const lines = [`usage: blockwise-ssl ${spec.name}${words.length ? ` ${words.join(' ')}` : ''} [options]`, '', spec.summary];
  const table = (rows: [string, string][]): string[] => {
    const width = Math.max(...rows.map(([a]) => a.length));
    return rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`);
  };
  if (spec.positionals.length > 0) lines.push('', 'arguments:', ...table(spec.positionals.map((p) => [p.name, p.description])));
  const opts = [...spec.options, HELP_OPTION].map((o): [string, string] => {
    const value = o.kind === 'flag' ? '' : ` ${o.placeholder ?? (o.choices ? o.choices.join('|') : o.kind.toUpperCase())}`;
    return [`--${o.name}${value}`, o.description];
  });
  lines.push('', 'options:', ...table(opts));
  if (spec.details) lines.push('', spec.details);
  return lines.join('\n');
}
