/**
 * The CPU backend: storage is a typed array and every op runs its reference kernel
 * immediately. In float64 it is the oracle of gradcheck's central differences.
 */
import type { Backend, CpuStorage, MemoryInfo, Storage } from '../backend.js';

export class CpuBackend implements Backend {
  readonly kind = 'cpu' as const;
  readonly alignElements = 1;
  private inUse = 0;
  private created = 0;

  constructor(readonly precision: 'float32' | 'float64' = 'float32') {}

  alloc(n: number): CpuStorage {
    const data = this.precision === 'float64' ? new Float64Array(n) : new Float32Array(n);
    this.inUse += data.byteLength;
    this.created++;
    return { kind: 'cpu', data, refs: 1, pooled: true };
  }

  release(s: Storage): void {
    if (s.kind === 'cpu' && s.pooled) this.inUse -= s.data.byteLength;
  }

  view(s: Storage, at: number, n: number): CpuStorage {
    return { kind: 'cpu', data: (s as CpuStorage).data.subarray(at, at + n), refs: 1, pooled: false };
  }

  write(s: Storage, data: ArrayLike<number>): void {
    (s as CpuStorage).data.set(data);
  }

  async read(s: Storage, n: number): Promise<Float32Array> {
    return Float32Array.from((s as CpuStorage).data.subarray(0, n));
  }

  copy(src: Storage, dst: Storage, n: number): void {
    (dst as CpuStorage).data.set((src as CpuStorage).data.subarray(0, n));
  }

  zero(s: Storage, n: number): void {
    (s as CpuStorage).data.fill(0, 0, n);
  }

  flush(): void {}

  memory(): MemoryInfo {
    return { bytesInUse: this.inUse, bytesPooled: 0, buffersCreated: this.created };
  }
}
