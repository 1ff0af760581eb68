import { describe, expect, it } from "vitest";
import {
  easternDate,
  isEasternDst,
  isRegularSessionOpen,
  nextOpenClose,
  nyseHolidays,
  tradingDay,
  tradingDays,
} from "../../../src/sim/calendar.js";

const holidays = (y: number): string[] => [...nyseHolidays(y).keys()].sort();

describe("NYSE holidays", () => {
  it("lists 2024 exactly as NYSE published it", () => {
    expect(holidays(2024)).toEqual([
      "2024-01-01",
      "2024-01-15",
      "2024-02-19",
      "2024-03-29",
      "2024-05-27",
      "2024-06-19",
      "2024-07-04",
      "2024-09-02",
      "2024-11-28",
      "2024-12-25",
    ]);
  });

  it("lists 2025 including the national day of mourning on January 9", () => {
    expect(holidays(2025)).toEqual([
      "2025-01-01",
      "2025-01-09",
      "2025-01-20",
      "2025-02-17",
      "2025-04-18",
      "2025-05-26",
      "2025-06-19",
      "2025-07-04",
      "2025-09-01",
      "2025-11-27",
      "2025-12-25",
    ]);
  });

  it("observes weekend holidays on Friday/Monday, but not New Year's Day on a Saturday", () => {
    expect(nyseHolidays(2021).has("2021-07-05")).toBe(true); // July 4 on a Sunday
    expect(nyseHolidays(2021).has("2021-12-24")).toBe(true); // Christmas on a Saturday
    expect(nyseHolidays(2022).has("2022-12-26")).toBe(true); // Christmas on a Sunday
    expect(nyseHolidays(2026).has("2026-07-03")).toBe(true); // July 4 on a Saturday
    expect(nyseHolidays(2022).has("2021-12-31")).toBe(false);
    expect(tradingDay("2021-12-31")).toBeDefined(); // Jan 1 2022 was a Saturday: Dec 31 traded
    expect(nyseHolidays(2027).has("2027-06-18")).toBe(true); // Juneteenth on a Saturday
  });

  it("has Juneteenth only from 2022 and Good Friday every year", () => {
    expect(nyseHolidays(2021).has("2021-06-18")).toBe(false);
    expect(nyseHolidays(2022).has("2022-06-20")).toBe(true);
    expect(nyseHolidays(2020).has("2020-04-10")).toBe(true);
    expect(nyseHolidays(2030).has("2030-04-19")).toBe(true);
  });
});

describe("trading days and sessions", () => {
  it("closes early at 13:00 ET on July 3, the day after Thanksgiving and Christmas Eve", () => {
    for (const d of ["2024-07-03", "2024-11-29", "2024-12-24", "2025-07-03", "2025-11-28", "2025-12-24"]) {
      const td = tradingDay(d);
      expect(td?.close, d).toBe("13:00");
      expect(td?.earlyClose).toBe(true);
    }
    expect(tradingDay("2023-07-03")?.close).toBe("13:00"); // a Monday
    expect(tradingDay("2024-07-05")?.close).toBe("16:00");
    expect(tradingDay("2022-07-01")?.close).toBe("16:00"); // July 4 on a Monday: no early close
  });

  it("uses America/New_York offsets across daylight-saving changes", () => {
    expect(new Date(tradingDay("2024-03-08")?.openMs ?? 0).toISOString()).toBe("2024-03-08T14:30:00.000Z");
    expect(new Date(tradingDay("2024-03-11")?.openMs ?? 0).toISOString()).toBe("2024-03-11T13:30:00.000Z");
    expect(new Date(tradingDay("2024-11-01")?.closeMs ?? 0).toISOString()).toBe("2024-11-01T20:00:00.000Z");
    expect(new Date(tradingDay("2024-11-04")?.closeMs ?? 0).toISOString()).toBe("2024-11-04T21:00:00.000Z");
    expect(new Date(tradingDay("2024-11-29")?.closeMs ?? 0).toISOString()).toBe("2024-11-29T18:00:00.000Z");
  });

  it("agrees with Intl's America/New_York every three hours over 2020-2030", () => {
    const fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: "America/New_York",
      timeZoneName: "shortOffset",
    });
    for (let t = Date.UTC(2020, 0, 1); t < Date.UTC(2031, 0, 1); t += 3 * 3_600_000) {
      const name = fmt.formatToParts(t).find((p) => p.type === "timeZoneName")?.value;
      expect(isEasternDst(t), new Date(t).toISOString()).toBe(name === "GMT-4");
    }
  });

  it("skips weekends and holidays and reports sessions and the next open/close", () => {
    expect(tradingDays("2025-04-17", "2025-04-22").map((d) => d.date)).toEqual([
      "2025-04-17",
      "2025-04-21",
      "2025-04-22",
    ]);
    const fridayEvening = Date.parse("2025-04-17T21:00:00Z"); // Thursday 17:00 EDT
    expect(easternDate(fridayEvening)).toBe("2025-04-17");
    expect(isRegularSessionOpen(fridayEvening)).toBe(false);
    const { nextOpen, nextClose } = nextOpenClose(fridayEvening);
    expect(new Date(nextOpen).toISOString()).toBe("2025-04-21T13:30:00.000Z");
    expect(new Date(nextClose).toISOString()).toBe("2025-04-21T20:00:00.000Z");
    const midday = Date.parse("2025-04-21T16:00:00Z");
    expect(isRegularSessionOpen(midday)).toBe(true);
    expect(new Date(nextOpenClose(midday).nextClose).toISOString()).toBe("2025-04-21T20:00:00.000Z");
    expect(new Date(nextOpenClose(midday).nextOpen).toISOString()).toBe("2025-04-22T13:30:00.000Z");
  });
});
