/**
 * The parameter arena of DESIGN.md: an optimizer owns flat buffers for the weights, the
 * gradients and its per-weight state (Adam's m and v, SGD's momentum). Each parameter
 * becomes a view at an offset aligned to minStorageBufferOffsetAlignment, so zeroGrad is
 * one clear and a step is one dispatch over the whole arena.
 */
import type { Backend, GpuStorage, Storage } from '../backend.js';
import { StateError, ValueError, fmtShape } from '../errors.js';
import { GpuRuntime } from '../gpu/runtime.js';
import { Tensor } from '../tensor.js';

const owner = new WeakMap<Tensor, ParamArena>();

export class ParamArena {
  readonly backend: Backend;
  readonly offsets: number[] = [];
  readonly total: number;
  readonly weights: Storage;
  readonly grads: Storage;
  readonly slots: Storage[];
  private released = false;

  constructor(readonly params: Tensor[], nSlots: number, op: string) {
    if (!Array.isArray(params) || params.length === 0) throw new ValueError(`${op}: got an empty parameter list`);
    const b = params[0]!.backend;
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new ValueError(`${op}: parameter ${i} is not a Tensor`);
      if (p.disposed) throw new StateError(`${op}: parameter ${i} ${fmtShape(p.shape)} was disposed`);
      if (p.backend !== b) throw new StateError(`${op}: parameters live on different backends (${b.kind} and ${p.backend.kind})`);
      if (owner.has(p)) throw new StateError(`${op}: parameter ${i} ${fmtShape(p.shape)} already belongs to another optimizer`);
      if (params.indexOf(p) !== i) throw new ValueError(`${op}: parameter ${i} ${fmtShape(p.shape)} appears twice`);
    });
    this.backend = b;
    const align = b.alignElements;
    let at = 0;
    for (const p of params) {
      this.offsets.push(at);
      at += Math.ceil(p.size / align) * align;
    }
    this.total = at;
    const alloc = (label: string): Storage => {
      const s = b instanceof GpuRuntime ? b.allocArena(this.total, label) : b.alloc(this.total);
      b.zero(s, this.total);
      return s;
    };
    this.weights = alloc(`${op}-weights`);
    this.grads = alloc(`${op}-grads`);
    this.slots = Array.from({ length: nSlots }, (_, i) => alloc(`${op}-state${i}`));
    params.forEach((p, i) => {
      const w = b.view(this.weights, this.offsets[i]!, p.size);
      b.copy(p.storage, w, p.size);
      p.rebind(w);
      const g = b.view(this.grads, this.offsets[i]!, p.size);
      const hadGrad = p.grad !== null;
      if (p.grad) {
        b.copy(p.grad.storage, g, p.size);
        p.grad.dispose();
      }
      p.grad = new Tensor(p.shape, g, b).keep();
      p.gradIsZero = !hadGrad;
      owner.set(p, this);
    });
  }

  /** Zeroes every gradient with one clear of the gradient buffer. */
  zeroGrad(): void {
    this.backend.zero(this.grads, this.total);
    for (const p of this.params) p.gradIsZero = true;
  }

  /** Per-parameter copies of a state slot (or 'weights'), for checkpoints. */
  async read(which: number | 'weights'): Promise<Float32Array[]> {
    const s = which === 'weights' ? this.weights : this.slots[which]!;
    const all = await this.backend.read(s, this.total);
    return this.params.map((p, i) => all.slice(this.offsets[i]!, this.offsets[i]! + p.size));
  }

  /** Writes per-parameter values into a state slot (or 'weights'). */
  write(which: number | 'weights', values: Float32Array[]): void {
    const s = which === 'weights' ? this.weights : this.slots[which]!;
    if (values.length !== this.params.length) throw new ValueError(`optimizer state: expected ${this.params.length} tensors, got ${values.length}`);
    const flat = new Float32Array(this.total);
    values.forEach((v, i) => {
      if (v.length !== this.params[i]!.size) throw new ValueError(`optimizer state: tensor ${i} has ${v.length} values, expected ${this.params[i]!.size}`);
      flat.set(v, this.offsets[i]!);
    });
    this.backend.write(s, flat);
  }

  /** Frees the arena; its parameters become invalid. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const s of [this.weights, this.grads, ...this.slots]) {
      if (this.backend instanceof GpuRuntime) this.backend.freeArena(s as GpuStorage);
      else this.backend.release(s);
    }
    for (const p of this.params) owner.delete(p);
  }
}
