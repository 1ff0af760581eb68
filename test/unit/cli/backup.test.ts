import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  BACKUP_MAGIC,
  type BackupFile,
  decryptBackup,
  encryptBackup,
  isSafeRelativePath,
  packBackup,
  readBackupHeader,
  unpackBackup,
} from "../../../src/config/backup-archive.js";
import { masterKeyId } from "../../../src/config/secrets.js";
import { PaddockError } from "../../../src/errors.js";

const keyOf = () => {
  const key = randomBytes(32);
  return { id: masterKeyId(key), key };
};

const files: BackupFile[] = [
  { part: "config", path: "paddock.yaml", mode: 0o600, data: Buffer.from("server: {}\n") },
  { part: "state", path: "paddock-state.db", mode: 0o600, data: randomBytes(300) },
  {
    part: "audit",
    path: "archive/audit-a-000000000001-2026-01-01.jsonl",
    mode: 0o644,
    data: Buffer.alloc(0),
  },
];
const contents = {
  createdAt: "2026-11-27T12:00:00.000Z",
  meta: { configFile: "paddock.yaml", stateRel: null },
  files,
};

describe("backup archive format", () => {
  it("round-trips files, modes and metadata under one key", () => {
    const key = keyOf();
    const archive = encryptBackup(packBackup(contents), key);
    expect(archive.subarray(0, 8).equals(BACKUP_MAGIC)).toBe(true);
    expect(readBackupHeader(archive)).toMatchObject({ version: 1, keyId: key.id });
    const back = unpackBackup(decryptBackup(archive, key));
    expect(back.createdAt).toBe(contents.createdAt);
    expect(back.meta).toEqual(contents.meta);
    expect(back.files.map((f) => [f.part, f.path, f.mode, f.data.toString("hex")])).toEqual(
      files.map((f) => [f.part, f.path, f.mode, f.data.toString("hex")]),
    );
    // a fresh nonce each time
    expect(encryptBackup(packBackup(contents), key).equals(archive)).toBe(false);
  });

  it("any single flipped bit anywhere fails before any plaintext is returned", () => {
    const key = keyOf();
    const archive = encryptBackup(packBackup(contents), key);
    for (let i = 0; i < archive.length; i++) {
      const bad = Buffer.from(archive);
      bad[i] = bad[i]! ^ 0x80;
      expect(() => decryptBackup(bad, key), `byte ${i}`).toThrow(PaddockError);
    }
    expect(() => decryptBackup(archive.subarray(0, archive.length - 1), key)).toThrow(
      /failed authentication/,
    );
    expect(() => decryptBackup(archive, keyOf())).toThrow(/sealed with key \w{8}, not with the key given/);
    expect(() => decryptBackup(archive, { id: key.id, key: randomBytes(32) })).toThrow(
      /failed authentication/,
    );
  });

  it("refuses paths that could leave their folder, and containers whose files do not match", () => {
    for (const p of ["", "/etc/passwd", "../x", "a/../../b", "a//b", "./a", "C:x", "a\\b", "a\0b"]) {
      expect(isSafeRelativePath(p), p).toBe(false);
    }
    expect(isSafeRelativePath("archive/audit.jsonl")).toBe(true);
    expect(() => packBackup({ ...contents, files: [{ ...files[0]!, path: "../paddock.yaml" }] })).toThrow(
      RangeError,
    );
    const container = packBackup(contents);
    const flipped = Buffer.from(container);
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1;
    expect(() => unpackBackup(flipped)).toThrow(/does not match its hash/);
    expect(() => unpackBackup(Buffer.concat([container, Buffer.from("x")]))).toThrow(/trailing bytes/);
    expect(() => unpackBackup(container.subarray(0, container.length - 1))).toThrow(/truncated/);
    const json = JSON.stringify({
      format: "paddock-backup",
      version: 1,
      createdAt: "x",
      meta: {},
      files: [{ part: "audit", path: "../../etc/cron.d/x", mode: 420, size: 0, sha256: "" }],
    });
    const len = Buffer.alloc(4);
    len.writeUInt32BE(Buffer.byteLength(json));
    expect(() => unpackBackup(Buffer.concat([len, Buffer.from(json)]))).toThrow(/unsafe path/);
    expect(() => readBackupHeader(Buffer.from("PADDOCKA-------------------------------"))).toThrow(
      /not a paddock backup/,
    );
  });
});
