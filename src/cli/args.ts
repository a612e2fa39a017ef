/** Flag parsing and validation for the CLI: every flag typed, ranged and named in errors. */
import { parseArgs } from 'node:util';
import { ValueError } from '../errors.js';
import { fmtLimit, type Limit } from '../gan/trainer.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  default?: string | boolean;
  help: string;
  /** A flag the command cannot do without, with what it is: its absence is refused by name. */
  required?: string;
}

export type Flags = Record<string, FlagSpec>;

/** Parses argv against `flags`; unknown flags and stray positionals are errors. */
export function parse(cmd: string, argv: string[], flags: Flags): Record<string, string | boolean | undefined> {
  const options = Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, { type: v.type }]));
  // `--steps -1` would be refused by parseArgs as ambiguous: join a negative number to its
  // flag so the range check below can say what is wrong with the value.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (a.startsWith('--') && flags[a.slice(2)]?.type === 'string' && next !== undefined && /^-\d|^-\.\d|^-Infinity$/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (e) {
    // Node's messages run to three lines; the first sentence says what was wrong.
    const first = (e as Error).message.split('\n')[0]!.replace(/\. This command.*$/, '').replace(/\.$/, '');
    throw new ValueError(`${cmd}: ${first}; see \`shadergrad ${cmd} --help\``);
  }
  const out: Record<string, string | boolean | undefined> = {};
  for (const [k, spec] of Object.entries(flags)) out[k] = (parsed.values as Record<string, string | boolean | undefined>)[k] ?? spec.default;
  out.help = parsed.values.help as boolean | undefined;
  if (!out.help) {
    for (const [k, spec] of Object.entries(flags)) {
      if (spec.required && out[k] === undefined) throw new ValueError(`${cmd}: --${k} is required: ${spec.required}; see \`shadergrad ${cmd} --help\``);
    }
  }
  return out;
}

export function usage(cmd: string, summary: string, flags: Flags): string {
  const lines = [`shadergrad ${cmd}: ${summary}`, '', 'Options:'];
  for (const [k, v] of Object.entries(flags)) {
    const def = v.default === undefined || v.default === false ? '' : ` (default ${v.default})`;
    lines.push(`  --${k}${v.type === 'string' ? ' <value>' : ''}`.padEnd(27) + ' ' + v.help + def);
  }
  lines.push('  -h, --help'.padEnd(28) + 'show this help');
  lines.push('  --verbose'.padEnd(28) + 'print the stack trace of an error (so does a set DEBUG environment variable)');
  return lines.join('\n');
}

export function int(cmd: string, name: string, v: unknown, lo: number, hi: number): number {
  const n = Number(v);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v.trim()) || n < lo || n > hi) throw new ValueError(`${cmd}: --${name} must be an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  return n;
}

export function num(cmd: string, name: string, v: unknown, lo: number, hi: number, loOpen = false, hiOpen = false): number {
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < lo || n > hi || (loOpen && n === lo) || (hiOpen && n === hi)) {
    throw new ValueError(`${cmd}: --${name} must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** A flag checked against one of the trainer's `OPTION_LIMITS`, the same range it enforces. */
export function limited(cmd: string, name: string, v: unknown, l: Limit): number {
  if (l.integer) {
    if (l.minOpen || l.maxOpen) throw new ValueError(`${cmd}: --${name}: an integer limit must be closed, got ${fmtLimit(l)}`);
    return int(cmd, name, v, l.min, l.max);
  }
  return num(cmd, name, v, l.min, l.max, l.minOpen, l.maxOpen);
}

export function choice<T extends string>(cmd: string, name: string, v: unknown, options: readonly T[]): T {
  if (typeof v !== 'string' || !options.includes(v as T)) throw new ValueError(`${cmd}: --${name} must be one of ${options.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** `3`, `0,1,7` or `all` as a sorted list of digits. */
export function digits(cmd: string, v: unknown): number[] {
  if (v === 'all') return [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  if (typeof v !== 'string' || !/^\d(,\d)*$/.test(v)) throw new ValueError(`${cmd}: --digits must be digits 0-9 separated by commas, or "all", got ${JSON.stringify(v)}`);
  const list = v.split(',').map(Number);
  if (new Set(list).size !== list.length) throw new ValueError(`${cmd}: --digits repeats a digit: ${v}`);
  return list.sort((a, b) => a - b);
}
