/**
 * Where every trade update goes besides the clients, once, from the instance that
 * owns the account's upstream: the audit trail (order lifecycle) and, when
 * configured, MQTT topic `paddock/<account>/trade_updates` (QoS 1).
 */
import { connect, type MqttClient } from "mqtt";
import type { Logger } from "../observability/logger.js";
import type { TradeEnvelope } from "./trading-hub.js";

export interface AuditAppender {
  append(entry: object): Promise<void>;
}

export interface TradeSinks {
  publish(envelope: TradeEnvelope): void;
  close(): Promise<void>;
}

export interface TradeSinksDeps {
  readonly audit?: AuditAppender;
  readonly mqttUrl?: string;
  readonly logger: Logger;
}

export const mqttTradeTopic = (accountId: string): string =>
  `paddock/${accountId.replace(/[#+/]/g, "_")}/trade_updates`;

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

export function createTradeSinks(deps: TradeSinksDeps): TradeSinks {
  const log = deps.logger.child({ component: "stream-sinks" });
  let client: MqttClient | undefined;
  if (deps.mqttUrl) {
    client = connect(deps.mqttUrl, { reconnectPeriod: 1000, connectTimeout: 5000 });
    client.on("error", (err) => log.warn({ err: err.message }, "MQTT sink error"));
  }
  return {
    publish(e) {
      const order = e.data.order;
      if (deps.audit) {
        deps.audit
          .append({
            action: "trade_update",
            outcome: "info",
            source: "upstream",
            account: e.accountId,
            orderId: str(order.id),
            clientOrderId: str(order.client_order_id),
            request: {
              event: e.data.event,
              seq: e.seq,
              status: order.status,
              filled_qty: order.filled_qty,
              ...(e.data.paddock_backfill === true ? { backfilled: true } : {}),
            },
          })
          .catch((err: unknown) =>
            log.error({ err: (err as Error).message }, "audit append of a trade update failed"),
          );
      }
      client?.publish(
        mqttTradeTopic(e.accountId),
        JSON.stringify({ account_id: e.accountId, seq: e.seq, data: e.data }),
        { qos: 1 },
      );
    },
    async close() {
      await client?.endAsync();
    },
  };
}
