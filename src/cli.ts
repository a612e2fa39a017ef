#!/usr/bin/env node
/**
 * The shadergrad command line: `shadergrad train | sample | eval`.
 *
 * Every error ends the command with ONE line on stderr, `shadergrad <command>: ...`, and
 * no stack trace: exit code 2 for the user's mistakes (bad flags, bad or missing files,
 * unusable paths), 1 for the rest (a full disk; an internal error, which says so and where
 * to report it). `--verbose` (anywhere on the line) or a set `DEBUG` environment variable
 * adds the stack trace.
 */
import { readFileSync } from 'node:fs';
import { DeviceError, FormatError, ShapeError, StateError, ValueError } from './errors.js';
import { shutdown } from './gpu/init.js';
import { hasMnist, noMnist } from './cli/common.js';
import { evalCommand } from './cli/eval.js';
import { FileError, isErrnoError, strayFileError } from './cli/fs-errors.js';
import { sampleCommand } from './cli/sample.js';
import { trainCommand } from './cli/train.js';

const COMMANDS: Record<string, [(argv: string[]) => Promise<void>, string]> = {
  train: [trainCommand, 'train an MLP GAN on real MNIST digits (or IDX files of yours); writes samples, GIF, loss plot, log and checkpoint'],
  sample: [sampleCommand, 'draw samples from a checkpoint into .npy or a .png grid'],
  eval: [evalCommand, "score a checkpoint's samples with the digit classifier"],
};

// Commands that always read the built-in digits, which come from the `mnist` package: a dev
// dependency of this repository but only an optional peer of the installed package.
// (`train` checks for itself: with --images it does not need them.)
const NEEDS_MNIST = new Set(['eval']);

/** Where to report a bug: package.json's `bugs.url`. */
function bugsUrl(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bugs?: { url?: string } | string };
    const url = typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs?.url;
    if (url) return url;
  } catch {
    // fall through
  }
  return 'https://github.com/shadergrad/shadergrad/issues';
}

function help(): string {
  const lines = ['usage: shadergrad <command> [options]', '', 'Commands:'];
  for (const [name, [, what]] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)}${what}`);
  lines.push('', 'Run `shadergrad <command> --help` for its options.', '--verbose (or a set DEBUG environment variable) prints the stack trace of an error.');
  return lines.join('\n');
}

const KNOWN = [ValueError, FormatError, ShapeError, StateError, DeviceError];

/** The error as its one line on stderr (plus the stack when verbose), and its exit code. */
function report(cmd: string, e: unknown, verbose: boolean): number {
  let err = e;
  if (isErrnoError(err)) err = strayFileError(cmd, err);
  const firstLine = (s: string) => s.split('\n')[0]!;
  let code: number;
  if (err instanceof FileError) {
    console.error(`shadergrad ${firstLine(err.message)}`);
    code = err.exitCode;
  } else if (KNOWN.some((k) => err instanceof k)) {
    const m = (err as Error).message;
    console.error(`shadergrad ${m.startsWith(`${cmd}:`) ? '' : `${cmd}: `}${firstLine(m)}`);
    code = 2;
  } else {
    const what = err instanceof Error ? `${err.name}: ${firstLine(err.message)}` : firstLine(String(err));
    const hint = verbose ? '' : ' (run again with --verbose for the stack trace)';
    console.error(`shadergrad ${cmd}: internal error: ${what}; this is a bug, please report it at ${bugsUrl()} with the command you ran${hint}`);
    code = 1;
  }
  if (verbose) console.error(e instanceof Error ? e.stack ?? String(e) : String(e));
  return code;
}

async function main(argv: string[], verbose: boolean): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(help());
    return cmd ? 0 : 2;
  }
  const entry = COMMANDS[cmd];
  if (!entry) {
    console.error(`shadergrad: unknown command ${JSON.stringify(cmd)}\n\n${help()}`);
    return 2;
  }
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  if (NEEDS_MNIST.has(cmd) && !wantsHelp && !hasMnist()) {
    console.error(`shadergrad ${noMnist(cmd)}`);
    return 2;
  }
  // An error that escapes the command's promise (a stray callback) is reported the same way.
  const escaped = (e: unknown) => {
    process.exitCode = report(cmd, e, verbose);
    shutdown();
    process.exit();
  };
  process.on('uncaughtException', escaped);
  process.on('unhandledRejection', escaped);
  try {
    await entry[0](rest);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return report(cmd, e, verbose);
  } finally {
    shutdown();
  }
}

const args = process.argv.slice(2);
const verbose = args.includes('--verbose') || !!process.env.DEBUG;
process.exitCode = await main(args.filter((a) => a !== '--verbose'), verbose);
