/** Gray pictures onto canvases, and a fingerprint of what a canvas shows. */
import type { GrayImage } from 'shadergrad/gan';

/**
 * Draws `img` at one canvas pixel per image pixel; CSS scales the canvas up with
 * `image-rendering: pixelated`, so the browser does the enlarging without blurring.
 */
export function drawGray(canvas: HTMLCanvasElement, img: GrayImage): void {
  if (canvas.width !== img.width || canvas.height !== img.height) {
    canvas.width = img.width;
    canvas.height = img.height;
  }
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const rgba = ctx.createImageData(img.width, img.height);
  const d = rgba.data;
  for (let i = 0; i < img.pixels.length; i++) {
    const v = img.pixels[i]!;
    d[4 * i] = v;
    d[4 * i + 1] = v;
    d[4 * i + 2] = v;
    d[4 * i + 3] = 255;
  }
  ctx.putImageData(rgba, 0, 0);
}

/** FNV-1a over the canvas's RGBA pixels: equal pictures, equal numbers. */
export function canvasHash(canvas: HTMLCanvasElement): number {
  if (canvas.width === 0 || canvas.height === 0) return 0;
  const d = canvas.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, canvas.width, canvas.height).data;
  let h = 0x811c9dc5;
  for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i]!, 0x01000193);
  return h >>> 0;
}
