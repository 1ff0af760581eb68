/**
 * Canonicalise first, then route. The raw request target (as it came off the wire,
 * before any router decoding) is checked against one strict form: origin-form only,
 * no dot or empty segments, no backslashes, and no percent-encoding except `%2F` and
 * `%3A` (a `/` or `:` inside an Alpaca path parameter such as `BTC%2FUSD`). A target
 * that is not canonical is refused with 400 by the gateway and never reaches Alpaca, so
 * no front end that normalises URLs differently can turn it into an order the gateway
 * did not recognise as one.
 */
import { PaddockError } from "../errors.js";

/** Raw path characters allowed in a segment (RFC 3986 pchar minus `%`, which is checked on its own). */
const SEGMENT_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]*$/;
/** The only escapes Alpaca's own path parameters need. */
const ALLOWED_ESCAPES = new Set(["2F", "3A"]);
const ESCAPE = /%([0-9A-Fa-f]{2})/g;
/** Query: printable ASCII, escapes well formed (their content is the upstream's business). */
const QUERY_CHARS = /^[\x21-\x7e]*$/;
export const ACCOUNT_ID = /^[A-Za-z0-9_-]+$/;

export interface CanonicalTarget {
  /** The path exactly as sent (already canonical). */
  readonly path: string;
  /** Raw segments after the leading `/` (still encoded). */
  readonly segments: readonly string[];
  /** Raw query string without `?` ("" when none). */
  readonly query: string;
}

const refuse = (why: string): PaddockError => new PaddockError("PADDOCK_REQUEST_TARGET", { detail: why });

/** Decodes one canonical segment (only `%2F` and `%3A` can be in it). */
export const decodeSegment = (segment: string): string =>
  segment.replace(ESCAPE, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

/** Encodes a path parameter value the canonical way (what `decodeSegment` reverses). */
export const encodeSegment = (value: string): string => encodeURIComponent(value);

/**
 * Checks a raw request target; throws PADDOCK_REQUEST_TARGET (400) naming the first problem.
 * `trailingSlash` lets the last segment be empty (`/docs/`), never one in the middle.
 */
export function canonicalTarget(raw: string, opts: { trailingSlash?: boolean } = {}): CanonicalTarget {
  if (!raw.startsWith("/")) throw refuse("only origin-form targets (starting with /) are accepted");
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? "" : raw.slice(q + 1);
  if (path.includes("\\")) throw refuse("backslash in path");
  if (path.includes("#") || query.includes("#")) throw refuse("fragment in request target");
  const segments = path.slice(1).split("/");
  for (const [i, seg] of segments.entries()) {
    if (seg === "") {
      if (opts.trailingSlash && i === segments.length - 1) continue;
      throw refuse("empty path segment");
    }
    const bare = seg.replace(ESCAPE, (_m, hex: string) => {
      if (!ALLOWED_ESCAPES.has(hex.toUpperCase())) {
        throw refuse(`percent-encoded %${hex.toUpperCase()} in path (only %2F and %3A in parameters)`);
      }
      return "";
    });
    if (bare.includes("%")) throw refuse("malformed percent-encoding in path");
    if (!SEGMENT_CHARS.test(bare)) throw refuse("character not allowed in path");
    if (seg === "." || seg === "..") throw refuse("dot segment in path");
  }
  if (!QUERY_CHARS.test(query)) throw refuse("character not allowed in query");
  if (/%(?![0-9A-Fa-f]{2})/.test(query)) throw refuse("malformed percent-encoding in query");
  return { path, segments, query };
}

/**
 * The gateway-wide rule, for an onRequest hook: every target is canonical, and under
 * `/v1/accounts/{id}` the account id is `[A-Za-z0-9_-]+` literally. `*` (OPTIONS) passes.
 * Outside the API (`/`, `/docs/`) a trailing slash is allowed: it cannot lead into `/v1`.
 */
export function checkRequestTarget(raw: string): CanonicalTarget | undefined {
  if (raw === "*") return undefined;
  const t = canonicalTarget(raw, {
    trailingSlash: !(raw === "/v1" || raw.startsWith("/v1/") || raw.startsWith("/v1?")),
  });
  if (t.segments[0] === "v1" && t.segments[1] === "accounts" && t.segments[2] !== undefined) {
    if (!ACCOUNT_ID.test(t.segments[2])) throw refuse("account id must match [A-Za-z0-9_-]+");
  }
  return t;
}

const checked = new WeakMap<object, CanonicalTarget | undefined>();

/**
 * `checkRequestTarget` of a request, parsed once: the onRequest hook checks every request and
 * the routes that need the segments read the same result instead of parsing the target again.
 */
export function requestTarget(raw: { readonly url?: string | undefined }): CanonicalTarget | undefined {
  if (checked.has(raw)) return checked.get(raw);
  const t = checkRequestTarget(raw.url ?? "");
  checked.set(raw, t);
  return t;
}
