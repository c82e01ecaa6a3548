// How a conflicted field's values read to a person: money as ¥, choices by their label,
// an empty value as a dash (the stored JSON means nothing to a clerk).
import { formatMoney } from "./format";
import { t } from "./i18n.svelte";

const MONEY_FIELDS = new Set(["price", "discount", "total"]);

/** One value of conflicted `field`, as shown next to its author. */
export function shownValue(field: string, value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (MONEY_FIELDS.has(field) && typeof value === "number") return formatMoney(value);
  if (field === "priority" && typeof value === "string" && ["low", "normal", "high", "urgent"].includes(value)) {
    return t(`priority.${value}` as "priority.low");
  }
  if (field === "status" && typeof value === "string" && ["todo", "doing", "done"].includes(value)) {
    return t(`tstatus.${value}` as "tstatus.todo");
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}
