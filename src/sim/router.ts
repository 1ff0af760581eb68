/**
 * The simulator's route table. Patterns are split once at registration; lookup goes through a
 * Map keyed by method + first path segment, then compares segments (literal or `:param`).
 */
import type { SimHandler, SimRouter } from "./contract.js";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

interface Route {
  readonly pattern: string;
  /** Literal segment, or `null` for a parameter at that position. */
  readonly segments: ReadonlyArray<string | null>;
  readonly names: ReadonlyArray<string | null>;
  readonly handler: SimHandler;
}

export interface RouteMatch {
  readonly handler: SimHandler;
  readonly params: Readonly<Record<string, string>>;
  readonly pattern: string;
}

export interface MatchingRouter extends SimRouter {
  /** Finds the handler for a path (no query string); `undefined` when no route matches. */
  match(method: string, path: string): RouteMatch | undefined;
  /** Whether any method has a route for the path (405 vs 404). */
  hasPath(path: string): boolean;
  /** Every registered route as `METHOD /pattern`, in registration order. */
  routes(): string[];
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

function split(path: string): string[] {
  const parts = path.split("/");
  // leading "" from the leading slash; drop a trailing "" from a trailing slash
  parts.shift();
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

export function createSimRouter(): MatchingRouter {
  const table = new Map<string, Route[]>();
  const registered: string[] = [];
  const key = (method: string, first: string): string => `${method} ${first}`;

  function tryRoute(route: Route, parts: readonly string[]): Record<string, string> | undefined {
    if (route.segments.length !== parts.length) return undefined;
    let params: Record<string, string> | undefined;
    for (let i = 0; i < parts.length; i++) {
      const seg = route.segments[i];
      const part = parts[i] as string;
      if (seg === null) {
        if (part === "") return undefined;
        params ??= {};
        params[route.names[i] as string] = safeDecode(part);
      } else if (seg !== part) {
        return undefined;
      }
    }
    return params ?? EMPTY;
  }

  function find(method: string, parts: readonly string[]): RouteMatch | undefined {
    const first = parts[0] ?? "";
    for (const candidates of [table.get(key(method, first)), table.get(key(method, ":"))]) {
      if (!candidates) continue;
      for (const route of candidates) {
        const params = tryRoute(route, parts);
        if (params) return { handler: route.handler, params, pattern: route.pattern };
      }
    }
    return undefined;
  }

  return {
    add(method: Method, pattern: string, handler: SimHandler) {
      if (!pattern.startsWith("/")) throw new Error(`route pattern must start with "/": ${pattern}`);
      const parts = split(pattern);
      const segments = parts.map((p) => (p.startsWith(":") ? null : p));
      const names = parts.map((p) => (p.startsWith(":") ? p.slice(1) : null));
      const first = segments[0] === null ? ":" : (segments[0] ?? "");
      const k = key(method, first);
      const list = table.get(k) ?? [];
      if (list.some((r) => r.pattern === pattern)) throw new Error(`duplicate route ${method} ${pattern}`);
      // literal routes before parameterised ones of the same shape
      list.push({ pattern, segments, names, handler });
      list.sort(
        (a, b) => a.segments.filter((s) => s === null).length - b.segments.filter((s) => s === null).length,
      );
      table.set(k, list);
      registered.push(`${method} ${pattern}`);
    },
    match(method, path) {
      return find(method, split(path));
    },
    routes: () => [...registered],
    hasPath(path) {
      const parts = split(path);
      return ["GET", "POST", "PUT", "PATCH", "DELETE"].some((m) => find(m, parts) !== undefined);
    },
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
