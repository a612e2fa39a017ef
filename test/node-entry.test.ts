/**
 * The Node entry's start-up on a machine without a GPU driver: Dawn finds SwiftShader
 * without printing the Vulkan loader's warnings, and a missing XDG_RUNTIME_DIR does not
 * make Dawn complain either (it gets one reused folder per user). The one line on stderr is shadergrad's own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipReason } from './helpers.js';

const noDriver = !['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'].some((d) => existsSync(d) && readdirSync(d).length > 0);

describe.skipIf(skipReason('webgpu') || !noDriver)('shadergrad/node on a machine with no Vulkan driver', () => {
  it('prints only the adapter line', () => {
    const env = { ...process.env };
    for (const k of ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'XDG_RUNTIME_DIR', 'VITEST']) delete env[k];
    const script = "import { init, tensor } from './src/node.ts'; await init({ backend: 'webgpu', verbose: true }); console.log(Array.from(await tensor([1, 2], [2]).add(1).data()).join(',')); console.log(process.env.XDG_RUNTIME_DIR);";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const [sum, runtime] = r.stdout.trim().split('\n');
    expect(sum).toBe('2,3');
    // One runtime folder per user, reused, so a run killed by a signal leaves none behind.
    expect(runtime).toBe(join(tmpdir(), `shadergrad-runtime-${process.getuid!()}`));
    expect(statSync(runtime!).isDirectory()).toBe(true);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^shadergrad: WebGPU on .*swiftshader/i);
  });
});
