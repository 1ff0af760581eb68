/**
 * Cheap structural checks on a compact JWS before any key is touched.
 *
 * Why canonical base64url: decoders (atob, Buffer) ignore the spare low bits of
 * a segment's last character, so two different strings can decode to the same
 * signature bytes. Without this check a token altered in its last character can
 * still verify, and the verified-token cache (keyed by the token's hash) would
 * hold two entries for one signature.
 */

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Returns why the token is not a canonical compact JWS, or undefined when it is. */
export function compactTokenProblem(token: string): string | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return "not a compact JWS (three dot-separated parts)";
  const names = ["header", "payload", "signature"] as const;
  for (let i = 0; i < 3; i++) {
    const part = parts[i] ?? "";
    const name = names[i];
    if (part.length === 0) return `empty ${name}`;
    if (!SEGMENT.test(part)) return `${name} is not base64url`;
    if (Buffer.from(part, "base64url").toString("base64url") !== part) {
      return `${name} is not canonical base64url`;
    }
  }
  return undefined;
}
