// Money is integer fen end to end: parsing and formatting never go through floats.

/** Formats fen as `¥1,234.56` (negative: `-¥1,234.56`). */
export function formatMoney(fen: number): string {
  if (!Number.isSafeInteger(fen)) return "¥—";
  const negative = fen < 0;
  const abs = BigInt(Math.abs(fen));
  const yuan = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = (abs % 100n).toString().padStart(2, "0");
  return `${negative ? "-" : ""}¥${yuan}.${cents}`;
}

/** Fen as the plain text an input shows (`1234.56`), for editing. */
export function moneyInput(fen: number): string {
  return formatMoney(fen).replace(/[¥,]/g, "");
}

function pad(n: number): string {
  return n.toString().padStart(2, "0");
}

/** A timestamp (ms) as local `YYYY-MM-DD HH:mm`. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${formatDate(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A date as local `YYYY-MM-DD`. */
export function formatDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Today's local date, `YYYY-MM-DD`. */
export function todayLocal(now: Date = new Date()): string {
  return formatDate(now);
}

/**
 * The start (ms) of local day `date` (`YYYY-MM-DD`), or of the day after it with
 * `next`; null unless it is a real date.
 */
export function dayStartMs(date: string, next = false): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const day = new Date(y, mo, d);
  if (day.getFullYear() !== y || day.getMonth() !== mo || day.getDate() !== d) return null;
  if (next) day.setDate(day.getDate() + 1);
  return day.getTime();
}

/** How long ago `ms` was, coarsely, as [amount, unit] for the catalogue. */
export function ago(ms: number, now: number = Date.now()): [number, "s" | "min" | "h" | "d"] {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return [s, "s"];
  if (s < 3600) return [Math.floor(s / 60), "min"];
  if (s < 86400) return [Math.floor(s / 3600), "h"];
  return [Math.floor(s / 86400), "d"];
}

/** A backup older than this is worth a reminder on the today screen. */
export const BACKUP_DUE_MS = 7 * 86_400_000;

/** Whether a reminder to back up is due: never backed up, or not for a week. */
export function backupDue(lastMs: number | null, now: number = Date.now()): boolean {
  return lastMs === null || now - lastMs >= BACKUP_DUE_MS;
}
