export type { AuditLog, AuditLogDeps, AuditLogHealth } from "./audit-log.js";
export { createAuditLog } from "./audit-log.js";
export type { AuditDurability, AuditLogOptions } from "./audit-log-options.js";
export { checkAuditLogOptions } from "./audit-log-options.js";
export { canonicalJson } from "./canonical-json.js";
export type { ChainedLine, ChainHead } from "./chain.js";
export { chainLine, sha256Hex } from "./chain.js";
export { rotatedFileName } from "./file-naming.js";
export type { MqttSink, MqttSinkDeps, MqttSinkOptions } from "./mqtt-sink.js";
export { createMqttSink, topicLevel } from "./mqtt-sink.js";
export type {
  AuditAction,
  AuditEntry,
  AuditEntryInput,
  AuditOutcome,
  AuditRecord,
  KnownAuditAction,
} from "./record.js";
export { AUDIT_OUTCOMES, auditEntryProblem, GENESIS_PREV, KNOWN_AUDIT_ACTIONS } from "./record.js";
export { isSecretKey, REDACTED, scrub } from "./scrub.js";
export type { AuditHealth, AuditLogger, AuditSink } from "./sink.js";
export type { VerifyOptions, VerifyResult } from "./verify.js";
export { resolveAuditFiles, verifyAuditFiles } from "./verify.js";
