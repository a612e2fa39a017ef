/**
 * A size-bucketed pool of storage buffers. Freed buffers go back to a free list keyed by
 * their bucket size and are handed out again LIFO, so a training loop that allocates the
 * same sizes in the same order every step reuses the same buffers (and so hits the
 * bind-group cache) and the pool stops growing after the first step.
 */

let nextId = 1;

/** A pooled GPU buffer. `id` keys bind-group caches; `bytes` is the bucket size. */
export interface GpuBuf {
  readonly id: number;
  readonly buffer: GPUBuffer;
  readonly bytes: number;
}

export type { MemoryInfo } from '../backend.js';
import type { MemoryInfo } from '../backend.js';

const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x4 /* COPY_SRC */ | 0x8 /* COPY_DST */;

/**
 * Bucket sizes: powers of two up to 64 KiB, then steps of 1/8 of the power of two, so a
 * bucket wastes at most 12.5% on large tensors and small ones share few buckets.
 */
export function bucketBytes(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 4) * 4);
  if (b <= 65536) return 2 ** Math.ceil(Math.log2(b));
  const p = 2 ** Math.floor(Math.log2(b));
  const step = p / 8;
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private free = new Map<number, GpuBuf[]>();
  private inUse = 0;
  private pooled = 0;
  private created = 0;

  constructor(private readonly device: GPUDevice) {}

  acquire(bytes: number, label = 'tensor'): GpuBuf {
    const size = bucketBytes(bytes);
    const list = this.free.get(size);
    const hit = list?.pop();
    if (hit) {
      this.pooled -= size;
      this.inUse += size;
      return hit;
    }
    const buffer = this.device.createBuffer({ size, usage: STORAGE_USAGE, label });
    this.created++;
    this.inUse += size;
    return { id: nextId++, buffer, bytes: size };
  }

  release(buf: GpuBuf): void {
    let list = this.free.get(buf.bytes);
    if (!list) this.free.set(buf.bytes, (list = []));
    list.push(buf);
    this.inUse -= buf.bytes;
    this.pooled += buf.bytes;
  }

  info(): MemoryInfo {
    return { bytesInUse: this.inUse, bytesPooled: this.pooled, buffersCreated: this.created };
  }

  /** Destroys every pooled (free) buffer; live ones are untouched. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.buffer.destroy();
    this.free.clear();
    this.pooled = 0;
  }

  destroy(): void {
    this.trim();
  }
}

/** A unique id for buffers that live outside the pool (arenas, staging). */
export function newBufferId(): number {
  return nextId++;
}
