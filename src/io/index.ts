// `shadergrad/io`: tensor file formats, as bytes in and bytes out (no file system, so it
// runs in a browser as in Node). safetensors (Hugging Face's format, what checkpoints use)
// and NumPy's .npy.
export {
  encodeSafetensors,
  decodeSafetensors,
  MAX_HEADER_BYTES,
  type SafetensorsInput,
  type SafetensorsTensor,
  type SafetensorsFile,
} from './safetensors.js';
export { encodeNpy, decodeNpy } from './npy.js';
