/**
 * The outbound proxy for upstream WebSockets: the same proxy as REST
 * (`upstream.proxy`, else the HTTPS_PROXY / HTTP_PROXY environment with NO_PROXY),
 * reached with HTTP CONNECT, so no stream connects around it. `ws` takes an
 * http.Agent; https-proxy-agent tunnels both `ws://` and `wss://` targets (TLS
 * inside the tunnel for the latter).
 */
import type { Agent } from "node:http";
import { HttpsProxyAgent } from "https-proxy-agent";

/** The agent to open a WebSocket to `url` with, or undefined to connect directly. */
export type StreamAgentFor = (url: string) => Agent | undefined;

export interface StreamProxyOptions {
  /** `upstream.proxy`; when set it is used for every stream, whatever the environment says. */
  readonly proxy?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

/** True when NO_PROXY (comma or space separated: `*`, `host`, `.domain`, `host:port`) exempts the host. */
export function noProxyMatches(noProxy: string | undefined, host: string, port: string): boolean {
  if (!noProxy) return false;
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return noProxy
    .split(/[\s,]+/)
    .filter((e) => e.length > 0)
    .some((entry) => {
      if (entry === "*") return true;
      const m = /^(.*?)(?::(\d+))?$/.exec(entry.toLowerCase());
      const name = (m?.[1] ?? "").replace(/^\*?\./, "").replace(/^\[|\]$/g, "");
      if (m?.[2] !== undefined && m[2] !== port) return false;
      return h === name || h.endsWith(`.${name}`);
    });
}

export function createStreamAgentFor(opts: StreamProxyOptions): StreamAgentFor {
  const env = opts.env ?? process.env;
  const agents = new Map<string, Agent>();
  const agentOf = (proxy: string): Agent => {
    let agent = agents.get(proxy);
    if (!agent) {
      agent = new HttpsProxyAgent(proxy);
      agents.set(proxy, agent);
    }
    return agent;
  };
  if (opts.proxy) {
    const proxy = opts.proxy;
    return () => agentOf(proxy);
  }
  return (url) => {
    const u = new URL(url);
    const secure = u.protocol === "wss:" || u.protocol === "https:";
    // the precedence of undici's EnvHttpProxyAgent (REST): lower case first, https falls back to http
    const httpProxy = env.http_proxy ?? env.HTTP_PROXY;
    const proxy = secure ? (env.https_proxy ?? env.HTTPS_PROXY ?? httpProxy) : httpProxy;
    if (!proxy) return undefined;
    const port = u.port || (secure ? "443" : "80");
    if (noProxyMatches(env.no_proxy ?? env.NO_PROXY, u.hostname, port)) return undefined;
    return agentOf(proxy);
  };
}
