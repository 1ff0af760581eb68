/**
 * NYSE trading calendar, 2020–2030 and beyond by rule: full-day holidays (with Saturday/Sunday
 * observance), Good Friday, Juneteenth from 2022, the 2025-01-09 national day of mourning,
 * 13:00 early closes, and America/New_York daylight-saving time (US rules since 2007).
 * Pure functions; dates are `YYYY-MM-DD` strings in New York.
 */

export interface TradingDay {
  /** `YYYY-MM-DD` (New York). */
  readonly date: string;
  /** Regular session open/close, epoch ms. */
  readonly openMs: number;
  readonly closeMs: number;
  /** Extended session (04:00–20:00 ET), epoch ms. */
  readonly sessionOpenMs: number;
  readonly sessionCloseMs: number;
  /** `HH:MM` local. */
  readonly open: string;
  readonly close: string;
  readonly earlyClose: boolean;
}

const DAY_MS = 86_400_000;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
export const ymd = (y: number, m: number, d: number): string => `${y}-${pad2(m)}-${pad2(d)}`;

/** Day of week of a civil date, 0 = Sunday. */
const dow = (y: number, m: number, d: number): number => new Date(Date.UTC(y, m - 1, d)).getUTCDay();

/** The n-th (1-based) given weekday of a month; n = -1 for the last. */
function nthWeekday(y: number, m: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = dow(y, m, 1);
    return 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
  }
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lastDow = dow(y, m, last);
  return last - ((lastDow - weekday + 7) % 7);
}

/** Gregorian Easter Sunday (anonymous algorithm). */
function easter(y: number): { m: number; d: number } {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const mm = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * mm + 114) / 31);
  const day = ((h + l - 7 * mm + 114) % 31) + 1;
  return { m: month, d: day };
}

/** A fixed-date holiday observed on Friday when it falls on Saturday and Monday when on Sunday. */
function observed(y: number, m: number, d: number): string {
  const wd = dow(y, m, d);
  const t = Date.UTC(y, m - 1, d) + (wd === 6 ? -DAY_MS : wd === 0 ? DAY_MS : 0);
  return new Date(t).toISOString().slice(0, 10);
}

const holidayCache = new Map<number, ReadonlyMap<string, string>>();

/** NYSE full-day closures of a year: date → name. */
export function nyseHolidays(y: number): ReadonlyMap<string, string> {
  const cached = holidayCache.get(y);
  if (cached) return cached;
  const h = new Map<string, string>();
  // New Year's Day: Sunday → Monday; Saturday is NOT observed on Dec 31 (NYSE rule 7.2).
  if (dow(y, 1, 1) !== 6) h.set(observed(y, 1, 1), "New Year's Day");
  h.set(ymd(y, 1, nthWeekday(y, 1, 1, 3)), "Martin Luther King, Jr. Day");
  h.set(ymd(y, 2, nthWeekday(y, 2, 1, 3)), "Washington's Birthday");
  const e = easter(y);
  h.set(new Date(Date.UTC(y, e.m - 1, e.d) - 2 * DAY_MS).toISOString().slice(0, 10), "Good Friday");
  h.set(ymd(y, 5, nthWeekday(y, 5, 1, -1)), "Memorial Day");
  if (y >= 2022) h.set(observed(y, 6, 19), "Juneteenth National Independence Day");
  h.set(observed(y, 7, 4), "Independence Day");
  h.set(ymd(y, 9, nthWeekday(y, 9, 1, 1)), "Labor Day");
  h.set(ymd(y, 11, nthWeekday(y, 11, 4, 4)), "Thanksgiving Day");
  h.set(observed(y, 12, 25), "Christmas Day");
  if (y === 2025) h.set("2025-01-09", "National Day of Mourning for President Carter");
  holidayCache.set(y, h);
  return h;
}

/** 13:00 ET early closes: July 3 (Mon–Thu), the day after Thanksgiving, Christmas Eve (Mon–Thu). */
export function isEarlyClose(y: number, m: number, d: number): boolean {
  const wd = dow(y, m, d);
  if (m === 7 && d === 3) return wd >= 1 && wd <= 4;
  if (m === 12 && d === 24) return wd >= 1 && wd <= 4;
  if (m === 11) return d === nthWeekday(y, 11, 4, 4) + 1;
  return false;
}

/** Whether US Eastern daylight time is in effect at a UTC instant (second Sunday of March 07:00Z to first Sunday of November 06:00Z). */
export function isEasternDst(utcMs: number): boolean {
  const y = new Date(utcMs).getUTCFullYear();
  const start = Date.UTC(y, 2, nthWeekday(y, 3, 0, 2), 7);
  const end = Date.UTC(y, 10, nthWeekday(y, 11, 0, 1), 6);
  return utcMs >= start && utcMs < end;
}

/** UTC offset of New York in minutes at an instant (-240 or -300). */
export const easternOffsetMinutes = (utcMs: number): number => (isEasternDst(utcMs) ? -240 : -300);

/** Epoch ms of a New York wall-clock time. */
export function easternToUtc(y: number, m: number, d: number, hh: number, mm: number): number {
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  const off = easternOffsetMinutes(guess + 5 * 3_600_000);
  return guess - off * 60_000;
}

/** New York civil date (`YYYY-MM-DD`) of an instant. */
export function easternDate(utcMs: number): string {
  return new Date(utcMs + easternOffsetMinutes(utcMs) * 60_000).toISOString().slice(0, 10);
}

const parseYmd = (s: string): [number, number, number] => {
  const [y, m, d] = s.split("-").map(Number);
  return [y ?? 1970, m ?? 1, d ?? 1];
};

export function isTradingDate(date: string): boolean {
  const [y, m, d] = parseYmd(date);
  const wd = dow(y, m, d);
  return wd !== 0 && wd !== 6 && !nyseHolidays(y).has(date);
}

const dayCache = new Map<string, TradingDay | null>();

/** The trading day on a New York date, or undefined for weekends and holidays. */
export function tradingDay(date: string): TradingDay | undefined {
  const hit = dayCache.get(date);
  if (hit !== undefined) return hit ?? undefined;
  let day: TradingDay | null = null;
  if (isTradingDate(date)) {
    const [y, m, d] = parseYmd(date);
    const early = isEarlyClose(y, m, d);
    day = {
      date,
      openMs: easternToUtc(y, m, d, 9, 30),
      closeMs: easternToUtc(y, m, d, early ? 13 : 16, 0),
      sessionOpenMs: easternToUtc(y, m, d, 4, 0),
      sessionCloseMs: easternToUtc(y, m, d, early ? 17 : 20, 0),
      open: "09:30",
      close: early ? "13:00" : "16:00",
      earlyClose: early,
    };
  }
  if (dayCache.size > 20_000) dayCache.clear();
  dayCache.set(date, day);
  return day ?? undefined;
}

/** The date `n` civil days after `date`. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = parseYmd(date);
  return new Date(Date.UTC(y, m - 1, d) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Trading days between two dates inclusive. */
export function tradingDays(start: string, end: string): TradingDay[] {
  const out: TradingDay[] = [];
  for (let d = start; d <= end; d = addDays(d, 1)) {
    const td = tradingDay(d);
    if (td) out.push(td);
  }
  return out;
}

/** The first trading day strictly after `date`. */
export function nextTradingDay(date: string): TradingDay {
  for (let d = addDays(date, 1); ; d = addDays(d, 1)) {
    const td = tradingDay(d);
    if (td) return td;
  }
}

/** The last trading day strictly before `date`. */
export function previousTradingDay(date: string): TradingDay {
  for (let d = addDays(date, -1); ; d = addDays(d, -1)) {
    const td = tradingDay(d);
    if (td) return td;
  }
}

/** Whether the regular session is open at an instant. */
export function isRegularSessionOpen(utcMs: number): boolean {
  const td = tradingDay(easternDate(utcMs));
  return td !== undefined && utcMs >= td.openMs && utcMs < td.closeMs;
}

/** Whether the extended session (pre-market, regular, after-hours) is open at an instant. */
export function isExtendedSessionOpen(utcMs: number): boolean {
  const td = tradingDay(easternDate(utcMs));
  return td !== undefined && utcMs >= td.sessionOpenMs && utcMs < td.sessionCloseMs;
}

/** Next regular open strictly after... or the current session's open if it has not happened yet; and the next close at or after now. */
export function nextOpenClose(utcMs: number): { nextOpen: number; nextClose: number } {
  const today = easternDate(utcMs);
  const td = tradingDay(today);
  let nextOpen: number;
  let nextClose: number;
  if (td && utcMs < td.openMs) {
    nextOpen = td.openMs;
    nextClose = td.closeMs;
  } else if (td && utcMs < td.closeMs) {
    nextOpen = nextTradingDay(today).openMs;
    nextClose = td.closeMs;
  } else {
    const nd = nextTradingDay(today);
    nextOpen = nd.openMs;
    nextClose = nd.closeMs;
  }
  return { nextOpen, nextClose };
}
