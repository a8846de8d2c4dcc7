// The parts of Apache ECharts scanlake's charts use, exposed as `globalThis.echarts`.
// Rebuilt by build.sh from the pinned npm packages in package.json.
import * as echarts from 'echarts/core';
import { BarChart, CustomChart, LineChart, HeatmapChart, TreemapChart, SunburstChart } from 'echarts/charts';
import {
  AriaComponent, DataZoomComponent, GridComponent, LegendComponent, TitleComponent,
  TooltipComponent, VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

echarts.use([
  BarChart, CustomChart, LineChart, HeatmapChart, TreemapChart, SunburstChart,
  AriaComponent, DataZoomComponent, GridComponent, LegendComponent, TitleComponent,
  TooltipComponent, VisualMapComponent, CanvasRenderer, SVGRenderer,
]);
globalThis.echarts = echarts;
