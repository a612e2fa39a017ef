/** Flag parsing and validation for the CLI: every flag typed, ranged and named in errors. */
import { parseArgs } from 'node:util';
import { ValueError } from '../errors.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  default?: string | boolean;
  help: string;
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
  return out;
}

export function usage(cmd: string, summary: string, flags: Flags): string {
  const lines = [`shadergrad ${cmd}: ${summary}`, '', 'Options:'];
  for (const [k, v] of Object.entries(flags)) {
    const def = v.default === undefined || v.default === false ? '' : ` (default ${v.default})`;
    lines.push(`  --${k}${v.type === 'string' ? ' <value>' : ''}`.padEnd(28) + v.help + def);
  }
  lines.push('  -h, --help'.padEnd(28) + 'show this help');
  return lines.join('\n');
}

export function int(cmd: string, name: string, v: unknown, lo: number, hi: number): number {
  const n = Number(v);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v.trim()) || n < lo || n > hi) throw new ValueError(`${cmd}: --${name} must be an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  return n;
}

export function num(cmd: string, name: string, v: unknown, lo: number, hi: number, loOpen = false): number {
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < lo || n > hi || (loOpen && n === lo)) {
    throw new ValueError(`${cmd}: --${name} must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${JSON.stringify(v)}`);
  }
  return n;
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
