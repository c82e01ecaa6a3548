// The parts of Apache ECharts the finance overview uses (line and bar charts, grid,
// tooltip, legend, the canvas renderer), registered once; imported only by `charts.ts`,
// lazily, so that the rest of ECharts is never bundled and the first screen never waits.
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { init, use } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export { init };
