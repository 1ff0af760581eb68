import { unpack } from "msgpackr";
import { it } from "vitest";
import WebSocket from "ws";
import { startSim } from "../../../../src/sim/index.js";

it("smoke", async () => {
  const sim = await startSim({ seed: 1 });
  sim.clock.setAt(Date.parse("2025-03-04T15:00:50Z"));
  for (const mp of [false, true]) {
    const ws = new WebSocket(
      `${sim.wsUrl}/v2/iex`,
      mp ? { headers: { "Content-Type": "application/msgpack" } } : {},
    );
    const msgs: unknown[] = [];
    ws.on("message", (d: Buffer) => msgs.push(mp ? unpack(d) : JSON.parse(d.toString())));
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ action: "auth", key: "k" + mp, secret: "s" }));
    ws.send(JSON.stringify({ action: "subscribe", trades: ["AAPL"], quotes: ["AAPL"], bars: ["*"] }));
    await new Promise((r) => setTimeout(r, 1500));
    console.log(mp, JSON.stringify(msgs).slice(0, 1500));
    ws.close();
  }
  await sim.close();
});
