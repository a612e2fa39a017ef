/** The CLI's flag parser: every refusal is one line that names the flag and the value. */
import { describe, expect, it } from 'vitest';
import { int, num, parse, type Flags } from '../src/cli/args.js';

const FLAGS: Flags = { steps: { type: 'string', help: '' }, lr: { type: 'string', help: '' }, quiet: { type: 'boolean', help: '' } };

function refusal(argv: string[]): string {
  try {
    const a = parse('train', argv, FLAGS);
    if (a.steps !== undefined) int('train', 'steps', a.steps, 1, 100);
    if (a.lr !== undefined) num('train', 'lr', a.lr, 0, 1, true);
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
}

describe('CLI flags', () => {
  it.each([
    [['--steps', '-1'], 'train: --steps must be an integer in [1, 100], got "-1"'],
    [['--lr', '-0.5'], 'train: --lr must be a number in (0, 1], got "-0.5"'],
    [['--stps', '1'], "train: Unknown option '--stps'; see `shadergrad train --help`"],
    [['--steps'], "train: Option '--steps <value>' argument missing; see `shadergrad train --help`"],
    [['extra'], "train: Unexpected argument 'extra'; see `shadergrad train --help`"],
    [['--quiet=3'], "train: Option '--quiet' does not take an argument; see `shadergrad train --help`"],
  ])('%j is refused in one line', (argv, message) => {
    const m = refusal(argv);
    expect(m).toBe(message);
    expect(m).not.toContain('\n');
  });

  it('accepts a negative-looking value joined with = and plain values', () => {
    expect(parse('train', ['--steps', '5', '--quiet'], FLAGS)).toMatchObject({ steps: '5', quiet: true });
    expect(parse('train', ['--steps=-3'], FLAGS).steps).toBe('-3');
  });
});
