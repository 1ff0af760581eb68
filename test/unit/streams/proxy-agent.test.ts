/** Which upstream stream URLs go through which proxy: `upstream.proxy` first, else the environment. */
import { HttpsProxyAgent } from "https-proxy-agent";
import { describe, expect, it } from "vitest";
import { createStreamAgentFor, noProxyMatches } from "../../../src/streams/proxy-agent.js";

const proxyOf = (agent: unknown): string | undefined =>
  agent instanceof HttpsProxyAgent ? agent.proxy.href : undefined;

describe("stream proxy selection", () => {
  it("uses upstream.proxy for every stream, whatever the environment says", () => {
    const agentFor = createStreamAgentFor({
      proxy: "http://proxy.internal:3128",
      env: { NO_PROXY: "*", HTTPS_PROXY: "http://other:1" },
    });
    expect(proxyOf(agentFor("wss://stream.data.alpaca.markets/v2/iex"))).toBe("http://proxy.internal:3128/");
    expect(proxyOf(agentFor("ws://127.0.0.1:9/stream"))).toBe("http://proxy.internal:3128/");
    // one agent shared by every stream
    expect(agentFor("wss://a/x")).toBe(agentFor("wss://b/y"));
  });

  it("falls back to HTTPS_PROXY (wss) / HTTP_PROXY (ws) and honours NO_PROXY", () => {
    const agentFor = createStreamAgentFor({
      env: {
        HTTPS_PROXY: "http://s:1",
        HTTP_PROXY: "http://p:2",
        NO_PROXY: "localhost,.internal,10.0.0.1:8080",
      },
    });
    expect(proxyOf(agentFor("wss://paper-api.alpaca.markets/stream"))).toBe("http://s:1/");
    expect(proxyOf(agentFor("ws://sim.example:8080/stream"))).toBe("http://p:2/");
    expect(agentFor("ws://localhost:8080/stream")).toBeUndefined();
    expect(agentFor("wss://sim.corp.internal/stream")).toBeUndefined();
    expect(agentFor("ws://10.0.0.1:8080/stream")).toBeUndefined();
    expect(proxyOf(agentFor("ws://10.0.0.1:9090/stream"))).toBe("http://p:2/");
    expect(createStreamAgentFor({ env: {} })("wss://stream.data.alpaca.markets/v2/iex")).toBeUndefined();
  });

  it("matches NO_PROXY entries like curl: *, exact hosts, domain suffixes, optional ports", () => {
    expect(noProxyMatches("*", "anything", "443")).toBe(true);
    expect(noProxyMatches("alpaca.markets", "api.alpaca.markets", "443")).toBe(true);
    expect(noProxyMatches("*.alpaca.markets", "api.alpaca.markets", "443")).toBe(true);
    expect(noProxyMatches("alpaca.markets", "notalpaca.markets", "443")).toBe(false);
    expect(noProxyMatches("host:80", "host", "443")).toBe(false);
    expect(noProxyMatches(undefined, "host", "443")).toBe(false);
  });
});
