/** The streams module: WebSocket fan-out of Alpaca's market-data and trading streams. */
export type { ClientSocket, Endpoint } from "./client-socket.js";
export type { WireCodec } from "./codec.js";
export {
  decodeClientMessage,
  encodeBatch,
  encodeFrame,
  encodeMessage,
  NanoTimestamp,
  parseNanoTimestamp,
} from "./codec.js";
export type { CoordinatorEvents, CoordinatorStatus, StreamCoordinator } from "./coordinator.js";
export type { DataFeedHub, DataSubscriber } from "./data-feed-hub.js";
export { MAX_MERGED_FRAMES } from "./data-feed-hub.js";
export type { ChannelSymbols, DataAction, DataChannel, DataFrame } from "./data-protocol.js";
export { DATA_CHANNELS, DATA_ERRORS, parseDataAction } from "./data-protocol.js";
export type { MarketClock } from "./market-clock.js";
export { createMarketClock } from "./market-clock.js";
export type { StreamMetrics } from "./stream-metrics.js";
export { createStreamMetrics } from "./stream-metrics.js";
export type {
  DataConnection,
  StreamService,
  StreamServiceDeps,
  StreamStats,
  StreamsConfig,
  TradingConnection,
} from "./stream-service.js";
export { createStreamService } from "./stream-service.js";
export type { ChannelSets, SubscriptionIndex } from "./subscription-index.js";
export { createSubscriptionIndex } from "./subscription-index.js";
export type { OrderTracker, TradeUpdateData } from "./trade-backfill.js";
export { createOrderTracker } from "./trade-backfill.js";
export type { AuditAppender, TradeSinks } from "./trade-sinks.js";
export { createTradeSinks, mqttTradeTopic } from "./trade-sinks.js";
export type { TradeEnvelope, TradeListener, TradingHub } from "./trading-hub.js";
export { createTradingHub } from "./trading-hub.js";
