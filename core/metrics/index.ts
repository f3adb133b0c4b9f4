/**
 * core/metrics: protocol-neutral measurement. Message header, HDR latency histograms,
 * delivery tracking and throughput; raw samples are never kept.
 */
export {
  HEADER_BYTES,
  HEADER_VERSION,
  RUN_TAG_BYTES,
  HeaderFlag,
  runTag,
  sameRunTag,
  encodeMessage,
  stampActualSendTime,
  decodeHeader,
} from './header.js';
export {
  LATENCY_MIN_MICROS,
  LATENCY_MAX_MICROS,
  LatencyHistogram,
  createLatencyHistogram,
  recordMicros,
  latencyFromIntended,
  serviceTime,
  createLatencyPair,
  recordDelivery,
  encodeHistogram,
  decodeHistogram,
  addHistogram,
  snapshotHistogram,
  histogramFromSnapshot,
  valuesAtPercentiles,
  recordedBuckets,
  percentileNines,
  ninesPercentiles,
} from './histogram.js';
export { mergeEncoded, mergeSummaries, summarise } from './latency-summary.js';
export { Summariser } from './summariser.js';
export { DELIVERY_ALLOWANCE, emptyCounts, levelDelivery, mergeDelivery } from './delivery-levels.js';
export { DeliveryTracker } from './tracker.js';
export { ThroughputMeter, mergeThroughput } from './throughput.js';

export type { MessageHeader, DecodedHeader } from './header.js';
export type { HistogramSnapshot, LatencyPair, RecordedBucket } from './histogram.js';
export type { Censoring } from './latency-summary.js';
export type { SummaryJob, SummaryRequest } from './summariser.js';
export type { ReceiveOutcome } from './tracker.js';
