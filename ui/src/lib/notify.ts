// Desktop notifications when something new needs the user: more conflicts, approvals
// refused or held changes than the last time the today counts were read.
import { isPermissionGranted, requestPermission, sendNotification } from "@tauri-apps/plugin-notification";
import type { Today } from "./api";
import { t } from "./i18n.svelte";

let last: { conflicts: number; approvals: number; refused: number; held: number } | null = null;
let allowed: boolean | null = null;

async function permitted(): Promise<boolean> {
  if (allowed === null) {
    try {
      allowed = (await isPermissionGranted()) || (await requestPermission()) === "granted";
    } catch {
      allowed = false;
    }
  }
  return allowed;
}

/** Compares `today` with the last counts and notifies about what grew. */
export async function notifyNews(today: Today): Promise<void> {
  const now = {
    conflicts: today.conflicts,
    approvals: today.approvals_total,
    refused: today.refused,
    held: today.held,
  };
  const before = last;
  last = now;
  if (before === null) return;
  const news: string[] = [];
  if (now.conflicts > before.conflicts) news.push(t("notify.conflicts", { n: now.conflicts }));
  if (now.approvals > before.approvals) news.push(t("notify.approvals", { n: now.approvals }));
  if (now.refused > before.refused) news.push(t("notify.refused", { n: now.refused }));
  if (now.held > before.held) news.push(t("notify.held", { n: now.held }));
  if (news.length === 0 || !(await permitted())) return;
  try {
    sendNotification({ title: t("app.name"), body: news.join("\n") });
  } catch {
    // A desktop without a notification service still shows everything on the today screen.
  }
}
