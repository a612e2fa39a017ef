/**
 * File-system errors in plain words, in one line that names the path: every place the CLI
 * reads or writes goes through here, so `EEXIST: file already exists, mkdir 'runs/x'` and
 * its stack trace become `cannot write runs/x: a file exists at runs/x, not a folder`.
 * `checkOutputFolder` and `checkOutputFile` look at an output path before any work starts,
 * so a bad `--out` fails at once instead of after training (or never: Node's recursive
 * mkdir under /proc does not return).
 */
import { accessSync, constants, realpathSync, statSync, statfsSync, type Stats } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/**
 * A file the CLI could not read or write. `exitCode` is 2 when the path is the user's to
 * fix (missing, a file where a folder should be, no permission, read-only) and 1 when the
 * machine is (disk full, I/O error, too many open files).
 */
export class FileError extends Error {
  override name = 'FileError';
  constructor(message: string, readonly exitCode: 1 | 2, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Errno codes that say the path itself is wrong: the user's mistake, exit code 2. */
const USER_CODES = new Set(['ENOENT', 'EEXIST', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'ENAMETOOLONG', 'ELOOP', 'EINVAL']);

/** True for Node's system errors (`code` like `ENOENT`), the only ones `fileError` translates. */
export function isErrnoError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z0-9]+$/.test((e as NodeJS.ErrnoException).code!);
}

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

/** The nearest of `path` and its ancestors that exists, and its stats. */
function firstExisting(path: string): { at: string; stats: Stats } {
  let at = resolve(path);
  for (;;) {
    const stats = statOrNull(at);
    if (stats) return { at, stats };
    const up = dirname(at);
    if (up === at) return { at, stats: statSync(at) };
    at = up;
  }
}

/**
 * `abs` written the way the user wrote `path`: the ancestor `abs` of `resolve(path)` as a
 * prefix of `path` when it is one (`runs/x` for `runs/x/y`), else absolute.
 */
function asGiven(path: string, abs: string): string {
  const full = resolve(path);
  if (abs === full) return path;
  const rest = full.slice(abs.length); // "/y/z"
  if (full.startsWith(abs + sep) && path.endsWith(rest)) {
    const prefix = path.slice(0, path.length - rest.length);
    return prefix === '' ? sep : prefix;
  }
  return abs;
}

/** Where a path ends at a file that the path goes through (`runs/f/x` when `runs/f` is a file). */
function fileOnTheWay(path: string): string | null {
  const { at, stats } = firstExisting(dirname(resolve(path)));
  return stats.isDirectory() ? null : asGiven(path, at);
}

/**
 * The reason of a system error on `path`, in plain words and without the path's own name
 * where the caller prints it anyway; `writing` picks the wording of a missing path.
 */
export function describeErrno(e: NodeJS.ErrnoException, path: string, writing: boolean): string {
  switch (e.code) {
    case 'ENOENT':
      return writing ? 'no such folder' : 'no such file';
    case 'EEXIST':
      return `a file exists at ${path}, not a folder`;
    case 'ENOTDIR': {
      const f = fileOnTheWay(path);
      return f ? `a file exists at ${f}, not a folder` : 'a part of the path is a file, not a folder';
    }
    case 'EISDIR':
      return `${path} is a folder, not a file`;
    case 'EACCES':
      return 'permission denied';
    case 'EPERM':
      return 'operation not permitted';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'the disk quota is used up';
    case 'EIO':
      return 'input/output error (a failing disk or a lost network share?)';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EINVAL':
      return 'the file system refused the operation (invalid argument)';
    case 'EBUSY':
      return 'the file is busy or locked';
    default: {
      // Node's message is "CODE: what, syscall 'path'": keep "CODE: what".
      return (e.message ?? '').split(/,\s/)[0] || e.code || 'unknown error';
    }
  }
}

/** `cmd: cannot read|write path: reason` as a FileError with its exit code. */
export function fileError(cmd: string, verb: 'read' | 'write', path: string, e: NodeJS.ErrnoException): FileError {
  let why = describeErrno(e, path, verb === 'write');
  if (verb === 'read' && e.code === 'EISDIR' && statOrNull(join(path, 'checkpoint.safetensors'))?.isFile()) {
    why += ` (the checkpoint in it is ${join(path, 'checkpoint.safetensors')})`;
  }
  return new FileError(`${cmd}: cannot ${verb} ${path}: ${why}`, USER_CODES.has(e.code!) ? 2 : 1, { cause: e });
}

/** Runs `fn`, turning a system error into a one-line FileError about `path`. */
export async function withFile<T>(cmd: string, verb: 'read' | 'write', path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw isErrnoError(e) ? fileError(cmd, verb, path, e) : e;
  }
}

/**
 * A stray system error (one no call site wrapped) as one line: the verb from its syscall,
 * the path from the error.
 */
export function strayFileError(cmd: string, e: NodeJS.ErrnoException): FileError {
  const reads = new Set(['read', 'stat', 'lstat', 'scandir', 'readlink', 'access']);
  const path = e.path ?? (e as { dest?: string }).dest ?? '(unknown path)';
  return fileError(cmd, e.syscall && reads.has(e.syscall) ? 'read' : 'write', path, e);
}

/** statfs magic numbers of Linux's kernel file systems, which hold no user files. */
const KERNEL_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x63677270: 'cgroup2',
  0x27e0eb: 'cgroup',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
};

/** The name of the kernel file system `abs` (an existing path) is on, or null. */
function kernelFs(abs: string): string | null {
  let real = abs;
  try {
    real = realpathSync(abs);
  } catch {
    // keep abs
  }
  for (const [root, name] of [['/proc', 'proc'], ['/sys', 'sysfs']]) if (real === root || real.startsWith(`${root}/`)) return name!;
  if (process.platform !== 'linux') return null;
  try {
    return KERNEL_FS[Number(statfsSync(real).type)] ?? null;
  } catch {
    return null;
  }
}

/**
 * Checks, without creating anything, that `folder` is or can be made a writable folder:
 * walks up to the first part of the path that exists and refuses it when it is a file, is
 * not writable (and searchable) by this user, or is on a kernel file system (/proc, /sys),
 * where writes fail or Node's recursive mkdir hangs. Throws a one-line FileError (exit 2).
 */
export function checkOutputFolder(cmd: string, flag: string, folder: string): void {
  if (folder === '') throw new FileError(`${cmd}: ${flag} is empty; give a folder`, 2);
  const { at, stats } = firstExisting(folder);
  const shown = asGiven(folder, at);
  const kfs = kernelFs(at);
  if (kfs) throw new FileError(`${cmd}: cannot write ${folder}: ${shown} is on a kernel file system (${kfs}) that holds no files; choose a folder on disk`, 2);
  if (!stats.isDirectory()) throw new FileError(`${cmd}: cannot write ${folder}: a file exists at ${shown}, not a folder`, 2);
  try {
    accessSync(at, constants.W_OK | constants.X_OK);
  } catch (e) {
    const code = isErrnoError(e) ? e.code : '';
    const why = code === 'EROFS' ? `${shown} is on a read-only file system` : `permission denied: ${shown} is not writable by this user`;
    throw new FileError(`${cmd}: cannot write ${folder}: ${why}`, 2, { cause: e });
  }
}

/**
 * `checkOutputFolder` of the file's folder, and the file itself must not be a folder
 * (nor, when it exists, be unwritable where the write replaces it).
 */
export function checkOutputFile(cmd: string, flag: string, file: string): void {
  if (file === '') throw new FileError(`${cmd}: ${flag} is empty; give a file name`, 2);
  checkOutputFolder(cmd, flag, dirname(file));
  if (statOrNull(file)?.isDirectory()) throw new FileError(`${cmd}: cannot write ${file}: ${file} is a folder, not a file`, 2);
}
