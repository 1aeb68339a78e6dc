/**
 * Saving and loading state dicts: the safetensors format, readable by PyTorch and Hugging Face.
 *
 * @module
 */
export {
  save,
  load,
  serialize,
  deserialize,
  readHeader,
  type SaveOptions,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
  type SafetensorsDType,
} from './safetensors.js';
