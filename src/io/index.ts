/**
 * The safetensors format, readable by PyTorch and Hugging Face, as bytes: `serialize` and
 * `deserialize` work wherever tapegrad runs. Files (`save`, `load`) are in `tapegrad/node`.
 *
 * @module
 */
export {
  serialize,
  deserialize,
  readHeader,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
  type SafetensorsDType,
} from './safetensors.js';
