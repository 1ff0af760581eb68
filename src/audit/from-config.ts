/**
 * The audit trail as the gateway runs it, from the `audit` configuration: this
 * instance's chain (instance-id.ts), signed checkpoints (key derived from the
 * master key, or `audit.checkpointKeyFile`), personal fields sealed per data
 * subject (keys in `<audit.dir>/subject-keys.json`, or the KV given), the MQTT
 * mirror, and retention at start and daily. The CLI uses the same key helpers.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type LoadedConfig, loadMasterKeys } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { KeyRing } from "../config/secrets.js";
import { PaddockError } from "../errors.js";
import { type AuditLog, createAuditLog } from "./audit-log.js";
import {
  type CheckpointKeys,
  type CheckpointSigner,
  checkpointKeys,
  deriveCheckpointSigner,
  readCheckpointSigner,
} from "./checkpoint.js";
import { createFileKv } from "./file-kv.js";
import { claimInstance, instanceIdProblem } from "./instance-id.js";
import { createMqttSink } from "./mqtt-sink.js";
import { createSealer, type PersonalDataSealer } from "./personal-data.js";
import { applyRetention } from "./retention.js";
import type { AuditLogger, AuditSink } from "./sink.js";
import { type AsyncKv, createSubjectKeyStore, type SubjectKeyStore } from "./subject-keys.js";

export const SUBJECT_KEYS_FILE = "subject-keys.json";

/** The master keys, when the configuration has one (loaded even if no secret needed it). */
export async function auditKeyRing(
  loaded: Pick<LoadedConfig, "config" | "keyRing">,
  env: NodeJS.ProcessEnv = process.env,
): Promise<KeyRing | undefined> {
  if (loaded.keyRing) return loaded.keyRing;
  if (!loaded.config.security.masterKeyFile && !env.PADDOCK_MASTER_KEY) return undefined;
  return (await loadMasterKeys(loaded.config, env)).ring;
}

/** The key that signs new checkpoints: `audit.checkpointKeyFile`, else derived from the master key. */
export async function checkpointSignerOf(
  config: Config,
  ring: KeyRing | undefined,
): Promise<CheckpointSigner | undefined> {
  if (config.audit.checkpointKeyFile) return readCheckpointSigner(config.audit.checkpointKeyFile);
  return ring ? deriveCheckpointSigner(ring.current.key) : undefined;
}

/** Every key a checkpoint of this deployment may carry: the key file's and those of every loaded master key. */
export async function checkpointVerifyKeys(
  config: Config,
  ring: KeyRing | undefined,
): Promise<CheckpointKeys> {
  const signers: CheckpointSigner[] = [];
  if (config.audit.checkpointKeyFile)
    signers.push(await readCheckpointSigner(config.audit.checkpointKeyFile));
  for (const master of ring?.all.values() ?? []) signers.push(deriveCheckpointSigner(master.key));
  return checkpointKeys(signers);
}

/** The subject key store over `kv`, or over the shared file in the audit folder. */
export function subjectKeyStoreOf(config: Config, ring: KeyRing, kv?: AsyncKv): SubjectKeyStore {
  return createSubjectKeyStore(kv ?? createFileKv(join(config.audit.dir, SUBJECT_KEYS_FILE)), ring);
}

export interface AuditTrailDeps {
  readonly logger: AuditLogger & { info(obj: object, msg?: string): void };
  readonly now?: () => number;
  readonly keyRing?: KeyRing;
  /** Where subject keys live (the state store); default the file in the audit folder. */
  readonly kv?: AsyncKv;
  /** Extra sinks; the MQTT mirror is made here from `audit.mqttUrl`. */
  readonly sinks?: readonly AuditSink[];
}

export interface AuditTrail {
  /** The log; its `close()` also releases the instance's chain and stops retention. */
  readonly log: AuditLog;
  readonly instanceId: string;
  /** Undefined without a master key (personal fields are then written as they are). */
  readonly subjectKeys: SubjectKeyStore | undefined;
  /** Destroys a data subject's keys (GDPR erasure); resolves to how many. */
  erase(subject: string): Promise<number>;
}

export async function openAuditTrail(config: Config, deps: AuditTrailDeps): Promise<AuditTrail> {
  const a = config.audit;
  const now = deps.now ?? Date.now;
  const { logger } = deps;
  if (a.instanceId !== undefined) {
    const problem = instanceIdProblem(a.instanceId);
    if (problem) throw new PaddockError("PADDOCK_CONFIG_INVALID", { detail: `audit.instanceId: ${problem}` });
  }
  const signer = await checkpointSignerOf(config, deps.keyRing);
  if (!signer)
    logger.warn({}, "audit: no master key nor audit.checkpointKeyFile; checkpoints are not signed");
  const subjectKeys = deps.keyRing ? subjectKeyStoreOf(config, deps.keyRing, deps.kv) : undefined;
  if (!subjectKeys) {
    logger.warn(
      {},
      "audit: no master key; personal fields (subject, client_order_id) are written unencrypted",
    );
  }
  const sealer: PersonalDataSealer | undefined = subjectKeys ? createSealer(subjectKeys, { now }) : undefined;

  await mkdir(a.dir, { recursive: true });
  const { instanceId, lock } = await claimInstance(a.dir, a.instanceId);
  const sinks: AuditSink[] = [...(deps.sinks ?? [])];
  if (a.mqttUrl) {
    sinks.push(createMqttSink({ url: a.mqttUrl, topicPrefix: a.mqttTopicPrefix, instanceId }, { logger }));
  }
  let log: AuditLog;
  try {
    log = await createAuditLog(
      {
        dir: a.dir,
        instanceId,
        durability: a.durability,
        batchMaxDelayMs: a.batchMaxDelayMs,
        rotate: { ...(a.rotateMaxBytes > 0 ? { maxBytes: a.rotateMaxBytes } : {}), daily: a.rotateDaily },
        sinks,
        checkpoints: {
          ...(signer ? { signer } : {}),
          everyRecords: a.checkpointEveryRecords,
          everyMs: a.checkpointIntervalSeconds * 1000,
        },
      },
      { now, logger, ...(sealer ? { sealer } : {}) },
    );
  } catch (err) {
    await lock.release();
    throw err;
  }
  logger.info(
    { instanceId, file: log.path, signed: signer !== undefined, sealed: sealer !== undefined },
    "audit trail open",
  );

  const retain = () =>
    applyRetention({ dir: a.dir, days: a.retentionDays, action: a.retentionAction, now, logger }).catch(
      (err: unknown) => logger.error({ err: String(err) }, "audit: retention pass failed"),
    );
  await retain();
  const timer = setInterval(() => void retain(), 86_400_000);
  timer.unref();

  const close = log.close;
  return {
    log: {
      ...log,
      async close() {
        clearInterval(timer);
        try {
          await close();
        } finally {
          await lock.release();
        }
      },
    },
    instanceId,
    subjectKeys,
    async erase(subject) {
      if (!subjectKeys) {
        throw new PaddockError("PADDOCK_UNAVAILABLE", {
          detail: "no master key: personal data is not encrypted, so it cannot be erased by key",
        });
      }
      const n = await subjectKeys.erase(subject);
      sealer?.forget(subject);
      return n;
    },
  };
}
