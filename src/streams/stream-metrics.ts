/** Every metric of the streams module, declared once, registered into the gateway's registry. */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface StreamMetrics {
  readonly clients: Gauge<"endpoint">;
  readonly pendingClients: Gauge;
  readonly pendingEvicted: Counter;
  readonly messagesIn: Counter<"source">;
  readonly messagesOut: Counter<"endpoint">;
  readonly slowClientsDropped: Counter<"endpoint">;
  readonly upstreamReconnects: Counter<"kind">;
  readonly upstreamConnected: Gauge<"upstream">;
  readonly fanoutLatency: Histogram<"kind">;
  readonly backfilledUpdates: Counter;
}

export function createStreamMetrics(registry: Registry): StreamMetrics {
  const registers = [registry];
  return {
    clients: new Gauge({
      name: "paddock_stream_clients",
      help: "WebSocket stream clients connected to this instance",
      labelNames: ["endpoint"],
      registers,
    }),
    pendingClients: new Gauge({
      name: "paddock_stream_unauthenticated_clients",
      help: "WebSocket connections waiting to authenticate (outside the client slots)",
      registers,
    }),
    pendingEvicted: new Counter({
      name: "paddock_stream_unauthenticated_evicted_total",
      help: "Unauthenticated connections closed to make room for a newer one (the waiting pool was full)",
      registers,
    }),
    messagesIn: new Counter({
      name: "paddock_stream_messages_in_total",
      help: "Stream messages received: from upstream, or relayed from the owner (redis: another instance; primary: another worker)",
      labelNames: ["source"],
      registers,
    }),
    messagesOut: new Counter({
      name: "paddock_stream_messages_out_total",
      help: "Stream messages sent to clients",
      labelNames: ["endpoint"],
      registers,
    }),
    slowClientsDropped: new Counter({
      name: "paddock_stream_slow_clients_dropped_total",
      help: "Clients disconnected because their send buffer exceeded the bound",
      labelNames: ["endpoint"],
      registers,
    }),
    upstreamReconnects: new Counter({
      name: "paddock_stream_upstream_reconnects_total",
      help: "Upstream stream reconnect attempts",
      labelNames: ["kind"],
      registers,
    }),
    upstreamConnected: new Gauge({
      name: "paddock_stream_upstream_connected",
      help: "Upstream stream connections owned and authenticated by this instance",
      labelNames: ["upstream"],
      registers,
    }),
    fanoutLatency: new Histogram({
      name: "paddock_stream_fanout_latency_seconds",
      help: "From an upstream message's arrival to its hand-off to every local client socket",
      labelNames: ["kind"],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers,
    }),
    backfilledUpdates: new Counter({
      name: "paddock_stream_backfilled_trade_updates_total",
      help: "Trade updates recovered from the REST API after an upstream trading-stream reconnect",
      registers,
    }),
  };
}
