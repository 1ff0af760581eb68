/** Renders docs/configuration.md from the schema, so the reference cannot drift from the code. */

import { ENV_VARIABLES } from "./load.js";
import { ConfigSchema } from "./schema.js";

interface Node {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
  anyOf?: Node[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
}

function typeName(n: Node): string {
  if (n.anyOf) {
    return n.anyOf.every((a) => a.const !== undefined)
      ? n.anyOf.map((a) => JSON.stringify(a.const)).join(" \\| ")
      : n.anyOf.map(typeName).join(" \\| ");
  }
  if (n.const !== undefined) return JSON.stringify(n.const);
  if (n.type === "array" && n.items) return `${typeName(n.items)}[]`;
  const range =
    n.minimum !== undefined || n.maximum !== undefined ? ` (${n.minimum ?? ""}…${n.maximum ?? ""})` : "";
  return `${n.type ?? "any"}${range}`;
}

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function rows(node: Node, prefix: string, out: string[]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const itemProps = child.type === "array" ? child.items?.properties : undefined;
    const required = node.required?.includes(key) && child.default === undefined ? "yes" : "";
    const def = child.default === undefined ? "" : `\`${JSON.stringify(child.default)}\``;
    if (child.properties && child.type === "object") {
      out.push(`| \`${path}\` | object | ${required} | | ${cell(child.description ?? "")} |`);
      rows(child, path, out);
    } else if (itemProps) {
      out.push(`| \`${path}\` | list | ${required} | ${def} | ${cell(child.description ?? "")} |`);
      rows(child.items as Node, `${path}[]`, out);
    } else {
      out.push(
        `| \`${path}\` | ${typeName(child)} | ${required} | ${def} | ${cell(child.description ?? "")} |`,
      );
    }
  }
}

export function renderConfigDocs(): string {
  const out: string[] = [
    "# Configuration reference",
    "",
    "<!-- Generated from src/config/schema.ts by `paddock config docs`; do not edit by hand. -->",
    "",
    "Paddock reads one YAML file (`paddock serve --config paddock.yaml`). Unknown keys are errors, values are",
    "never coerced, and every problem is reported at once with its path (`paddock config check`). Relative",
    "file paths are resolved against the configuration file's directory. Accounts may also live in a separate",
    "`accountsFile` holding an `accounts:` list (appended to any inline accounts).",
    "",
    "Secrets (`accounts[].keyId`, `accounts[].secretKey`, `auth.hs256Secret`) are stored encrypted as",
    "`enc:v1:<keyId>:<payload>` (AES-256-GCM, bound to their account): `paddock keys encrypt`.",
    "",
    "## Environment overrides",
    "",
    ...ENV_VARIABLES.map((v) => `- \`${v}\``),
    "",
    "`PADDOCK_PORT`/`PADDOCK_HOST` set `server.port`/`server.host`, `PADDOCK_LOG_LEVEL` `logging.level`,",
    "`PADDOCK_MASTER_KEY_FILE` `security.masterKeyFile`, `REDIS_URL` `cache.redisUrl`, `PADDOCK_AUDIT_DIR`",
    "`audit.dir`, `PADDOCK_STATE_DIR` `state.dir`; `PADDOCK_MASTER_KEY` holds the base64 master key itself (instead of a file). The upstream",
    "client also honours `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` when `upstream.proxy` is not set.",
    "",
    "## Keys",
    "",
    "| key | type | required | default | meaning |",
    "| --- | --- | --- | --- | --- |",
  ];
  rows(ConfigSchema as unknown as Node, "", out);
  return `${out.join("\n")}\n`;
}
