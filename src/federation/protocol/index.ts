// The federation protocol: signed messages between nodes, sealed ID numbers, the national trust list. Pure functions.
export {
  MAX_MESSAGE_BYTES,
  MESSAGE_WINDOW_MS,
  checkMessage,
  newMessageId,
  signMessage,
  type Envelope,
  type MessageType,
  type RejectReason,
  type SignedMessage,
} from './envelope.js';
export { openSealed, sealFor } from './seal.js';
export {
  covers,
  homeRegionOf,
  mergeEntries,
  signNationalList,
  verifyNationalList,
  type NationalListDoc,
  type RegionDoc,
  type SignedNationalList,
} from './national.js';
