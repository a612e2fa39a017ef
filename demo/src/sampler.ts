/**
 * A checkpoint from disk, sampled: the generator of a .safetensors file (from this page or
 * the CLI), drawn from noise of a given seed into a grid, as `shadergrad sample` would.
 */
import type { Module } from 'shadergrad';
import { drawSamples, grayImages, imageGrid, loadGenerator, readCheckpoint, type GanCheckpoint, type GrayImage } from 'shadergrad/gan';

/** Samples in the grid: 8 x 8, like the training grid. */
const COUNT = 64;

export interface Loaded {
  model: string;
  digits: string | null;
  step: number;
}

export class CheckpointSampler {
  private ck: GanCheckpoint | null = null;
  private G: Module | null = null;

  /** Reads and checks `bytes` (a FormatError for a bad file) and builds its generator. */
  load(bytes: Uint8Array): Loaded {
    const ck = readCheckpoint(bytes);
    const G = loadGenerator(ck);
    this.free();
    this.ck = ck;
    this.G = G;
    return { model: ck.metadata.model ?? ck.config.kind, digits: ck.metadata.digits ?? null, step: ck.state.step };
  }

  get loaded(): boolean {
    return this.G !== null;
  }

  /** A grid of samples from noise of `seed`. */
  async sample(seed: number): Promise<GrayImage> {
    const { ck, G } = this;
    if (!ck || !G) throw new Error('CheckpointSampler.sample: no checkpoint loaded');
    const [, h, w] = ck.config.imageShape;
    const samples = await drawSamples(G, ck.config, COUNT, seed);
    return imageGrid(grayImages(samples, COUNT, ck.config.imageShape), COUNT, h, w);
  }

  /** Frees the loaded generator's weights. */
  free(): void {
    if (this.G) for (const t of [...this.G.parameters(), ...this.G.buffers()]) t.dispose();
    this.G = null;
    this.ck = null;
  }
}
