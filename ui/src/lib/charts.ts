// Charts load the first time one is shown (the finance overview): ECharts is a large part
// of the window's code, and no other screen needs it.
import type { EChartsCoreOption } from "echarts/core";

export type ChartOption = EChartsCoreOption;

let loading: Promise<typeof import("./echarts")> | null = null;

/** ECharts with the overview's parts registered (loaded once). */
export function loadCharts(): Promise<typeof import("./echarts")> {
  loading ??= import("./echarts");
  return loading;
}
