// The strided block copy behind concat and slicing (copy.wgsl, src/cpu/elementwise.ts's copy2d).

/** dst[r dstStride + dstOff + c] = src[r srcStride + srcOff + c] for r < rows, c < cols: a memory.copy per row. */
export function copy2d(src: usize, dst: usize, rows: i32, cols: i32, srcStride: i32, dstStride: i32, srcOff: i32, dstOff: i32): void {
  const bytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    memory.copy(dst + (<usize>(r * dstStride + dstOff) << 2), src + (<usize>(r * srcStride + srcOff) << 2), bytes);
  }
}
