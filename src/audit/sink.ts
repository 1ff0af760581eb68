/**
 * A secondary destination for audit records (MQTT, …). The file is the record of
 * truth: a sink receives each line only after it is durable on disk, and a sink
 * must never block or throw into the append path.
 */
import type { Checkpoint } from "./checkpoint.js";
import type { AuditRecord } from "./record.js";

export interface AuditHealth {
  readonly ok: boolean;
  readonly detail?: string;
}

export interface AuditSink {
  /** A name for health reports and logs, e.g. `mqtt`. */
  readonly name: string;
  /** Called once per durable line, in chain order; must return at once. */
  publish(line: string, record: AuditRecord): void;
  /** Called once per durable signed checkpoint (see checkpoint.ts); must return at once. */
  publishCheckpoint?(line: string, checkpoint: Checkpoint): void;
  close(): Promise<void>;
  health(): AuditHealth;
}

export interface AuditLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: AuditLogger = { warn: () => {}, error: () => {} };
