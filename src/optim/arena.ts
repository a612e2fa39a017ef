/**
 * The parameter arena: an optimizer owns flat tensors for the weights, the gradients and
 * its per-weight state (Adam's m and v, SGD's momentum). Each parameter becomes a view at
 * an offset aligned to the backend's `alignElements` (minStorageBufferOffsetAlignment on
 * WebGPU), so zeroGrad is one clear and a step is one fused update over the whole arena.
 * Everything goes through the Backend interface and ops; nothing here knows the backend.
 */
import type { Backend } from '../backend.js';
import { StateError, ValueError, fmtShape } from '../errors.js';
import { empty } from '../ops/util.js';
import { Tensor } from '../tensor.js';

const owner = new WeakMap<Tensor, ParamArena>();

export class ParamArena {
  readonly backend: Backend;
  readonly offsets: number[] = [];
  readonly total: number;
  readonly weights: Tensor;
  readonly grads: Tensor;
  readonly slots: Tensor[];
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
    const flat = (): Tensor => {
      const t = empty([this.total], b).keep();
      b.zero(t.storage, this.total);
      return t;
    };
    this.weights = flat();
    this.grads = flat();
    this.slots = Array.from({ length: nSlots }, flat);
    params.forEach((p, i) => {
      const w = b.view(this.weights.storage, this.offsets[i]!, p.size);
      b.copy(p.storage, w, p.size);
      p.rebind(w);
      const g = b.view(this.grads.storage, this.offsets[i]!, p.size);
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
    this.backend.zero(this.grads.storage, this.total);
    for (const p of this.params) p.gradIsZero = true;
  }

  private tensorOf(which: number | 'weights'): Tensor {
    const t = which === 'weights' ? this.weights : this.slots[which];
    if (!t) throw new ValueError(`optimizer state: no slot ${which} (the optimizer has ${this.slots.length})`);
    return t;
  }

  /** Per-parameter copies of a state slot (or 'weights'), for checkpoints. */
  async read(which: number | 'weights'): Promise<Float32Array[]> {
    const all = await this.tensorOf(which).data();
    return this.params.map((p, i) => all.slice(this.offsets[i]!, this.offsets[i]! + p.size));
  }

  /** Writes per-parameter values into a state slot (or 'weights'). */
  write(which: number | 'weights', values: Float32Array[]): void {
    const t = this.tensorOf(which);
    if (values.length !== this.params.length) throw new ValueError(`optimizer state: expected ${this.params.length} tensors, got ${values.length}`);
    const flat = new Float32Array(this.total);
    values.forEach((v, i) => {
      if (v.length !== this.params[i]!.size) throw new ValueError(`optimizer state: tensor ${i} has ${v.length} values, expected ${this.params[i]!.size}`);
      flat.set(v, this.offsets[i]!);
    });
    this.backend.write(t.storage, flat);
  }

  /** Frees the arena; its parameters become invalid. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const t of [this.weights, this.grads, ...this.slots]) t.dispose();
    for (const p of this.params) owner.delete(p);
  }
}
