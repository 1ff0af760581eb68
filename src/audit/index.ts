export type { AuditLog, AuditLogDeps, AuditLogHealth } from "./audit-log.js";
export { createAuditLog } from "./audit-log.js";
export type { AuditDurability, AuditLogOptions } from "./audit-log-options.js";
export { checkAuditLogOptions } from "./audit-log-options.js";
export { canonicalJson } from "./canonical-json.js";
export type { ChainedLine, ChainHead } from "./chain.js";
export { chainLine, sha256Hex } from "./chain.js";
export type { Checkpoint, CheckpointKeys, CheckpointReason, CheckpointSigner } from "./checkpoint.js";
export { deriveCheckpointSigner, makeCheckpoint, readCheckpointSigner } from "./checkpoint.js";
export type { CheckpointOptions } from "./checkpointer.js";
export type { ExportResult } from "./export.js";
export { exportAuditRecords } from "./export.js";
export { createFileKv } from "./file-kv.js";
export { rotatedFileName } from "./file-naming.js";
export type { AuditTrail, AuditTrailDeps } from "./from-config.js";
export { auditKeyRing, checkpointVerifyKeys, openAuditTrail, subjectKeyStoreOf } from "./from-config.js";
export { claimInstance, instanceIdProblem, lockInstance } from "./instance-id.js";
export type { MqttSink, MqttSinkDeps, MqttSinkOptions } from "./mqtt-sink.js";
export { createMqttSink, topicLevel } from "./mqtt-sink.js";
export type { PersonalDataSealer } from "./personal-data.js";
export { createSealer, ERASED, openRecord, PERSONAL_REQUEST_KEYS } from "./personal-data.js";
export type {
  AuditAction,
  AuditEntry,
  AuditEntryInput,
  AuditOutcome,
  AuditRecord,
  KnownAuditAction,
} from "./record.js";
export { AUDIT_OUTCOMES, auditEntryProblem, GENESIS_PREV, KNOWN_AUDIT_ACTIONS } from "./record.js";
export type { RetentionAction, RetentionResult } from "./retention.js";
export { applyRetention } from "./retention.js";
export { isSecretKey, REDACTED, scrub } from "./scrub.js";
export type { AuditHealth, AuditLogger, AuditSink } from "./sink.js";
export type { AsyncKv, SubjectKey, SubjectKeyStore } from "./subject-keys.js";
export { createSubjectKeyStore } from "./subject-keys.js";
export type { AuditChain, ChainVerification, VerifyOptions, VerifyResult } from "./verify.js";
export { resolveAuditChains, resolveAuditFiles, verifyAuditChains, verifyAuditFiles } from "./verify.js";
