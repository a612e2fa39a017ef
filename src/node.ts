/**
 * `shadergrad/node`: everything of `shadergrad`, plus what only works in Node: WebGPU from
 * Dawn (the optional peer dependency `webgpu`) with a SwiftShader fallback, IDX files read
 * from disk, and the digits of the `mnist` package (another optional peer, loaded only
 * when `mnist()` is called). Browser bundles never reach this file; it shares the core's
 * modules (relative imports), so `init()` from here is the backend `shadergrad/gan` sees.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { init as coreInit, setDefaultGpu, type GpuSource, type InitOptions } from './gpu/init.js';
import { DeviceError } from './errors.js';
import type { Backend } from './backend.js';
import { settleQuietly } from './dawn-settle.js';

export * from './index.js';
export { loadIdxFiles } from './data/files.js';
export { mnist } from './data/mnist.js';

/** The Vulkan ICD of the SwiftShader driver that Debian's chromium package ships. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

interface DawnModule {
  create(flags: string[]): GPU;
  globals: object;
}

async function loadDawn(): Promise<DawnModule> {
  // A variable specifier keeps TypeScript from needing `webgpu` when it is not installed.
  const spec = 'webgpu';
  try {
    return (await import(spec)) as DawnModule;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && /'webgpu'/.test(err.message)) {
      throw new DeviceError("WebGPU in Node needs the optional peer dependency 'webgpu' (Dawn), which is not installed: run `npm install webgpu`, or use init({ backend: 'cpu' })", { cause: e });
    }
    throw new DeviceError(`WebGPU in Node is not available: the 'webgpu' package failed to load (${err.message})`, { cause: e });
  }
}

/** Folders where the Vulkan loader looks for driver manifests (ICDs) on Linux. */
function icdFolders(): string[] {
  const config = (process.env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const data = (process.env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  return [...config, '/etc', ...data, join(homedir(), '.local/share')].map((d) => join(d, 'vulkan/icd.d'));
}

/** True when the Vulkan loader would find some driver of its own (a GPU's, or one the user named). */
function hasVulkanDriver(): boolean {
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES || process.env.VK_ADD_DRIVER_FILES) return true;
  return icdFolders().some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

/**
 * A private XDG_RUNTIME_DIR for Dawn: one folder per user, `shadergrad-runtime-<uid>` in the
 * temp folder, made once and reused by every later process, so runs killed by a signal (whose
 * exit handlers never run) leave nothing behind. A folder of that name that is not a plain
 * directory owned by this user and closed to others is never used: then a fresh one is made
 * and removed at exit.
 */
function runtimeDir(): string {
  const uid = process.getuid?.();
  if (uid !== undefined) {
    const dir = join(tmpdir(), `shadergrad-runtime-${uid}`);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch {
      // It exists already (or cannot be made): checked below.
    }
    try {
      const st = lstatSync(dir);
      if (st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0) return dir;
    } catch {
      // Falls through to a fresh folder.
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'shadergrad-runtime-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Keeps Dawn's start quiet where it can be: a missing XDG_RUNTIME_DIR gets a private
 * folder (see runtimeDir), and on a Linux machine with no Vulkan driver at all the
 * SwiftShader ICD is named up front, instead of after a failed probe that prints three
 * lines of loader warnings.
 */
function prepareEnvironment(): void {
  if (process.platform !== 'linux') return;
  process.env.XDG_RUNTIME_DIR ||= runtimeDir();
  if (!hasVulkanDriver() && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

/**
 * Dawn as a {@link GpuSource}. The first request loads `webgpu` and puts its globals
 * (`GPUBufferUsage`, ...) on globalThis, as a browser has them. Where Dawn finds no adapter
 * on Linux, it retries once with the SwiftShader ICD (a CPU Vulkan driver). The Dawn
 * instance is kept: its devices must not outlive it.
 */
class DawnGpu implements GpuSource {
  private instance: GPU | null = null;
  readonly settle = settleQuietly;

  async requestAdapter(options?: GPURequestAdapterOptions): Promise<GPUAdapter> {
    const dawn = await loadDawn();
    Object.assign(globalThis, dawn.globals);
    if (!this.instance) prepareEnvironment();
    this.instance ??= dawn.create([]);
    let adapter = await this.instance.requestAdapter(options);
    if (!adapter && process.platform === 'linux' && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
      // The Vulkan loader reads VK_ICD_FILENAMES when an instance is created, so make a new one.
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      this.instance = dawn.create([]);
      adapter = await this.instance.requestAdapter(options);
    }
    if (!adapter) {
      throw new DeviceError(
        'WebGPU has no adapter in Node: no GPU driver was found and the SwiftShader fallback ' +
          `(${SWIFTSHADER_ICD}, with the Vulkan loader libvulkan1) is missing; on Debian run \`apt-get install -y libvulkan1 chromium\``,
      );
    }
    return adapter;
  }
}

const dawn = new DawnGpu();

/**
 * `init()` for Node: installs Dawn as the default WebGPU source (so later `init()` calls,
 * from either entry, find it too), then initialises like the core `init()`. Prints the
 * adapter unless `verbose: false` (or under vitest). Throws a `DeviceError` naming the
 * package to install when `webgpu` is missing.
 */
export async function init(opts: InitOptions = {}): Promise<Backend> {
  setDefaultGpu(dawn);
  return coreInit({ ...opts, verbose: opts.verbose ?? !process.env.VITEST });
}
