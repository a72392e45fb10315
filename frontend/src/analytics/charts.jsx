// The analytics page's two charts, drawn by MUI X Charts (@mui/x-charts, the chart library of the
// Material UI that react-admin is built on: it takes the theme, its tooltips and legends).
import { Box } from '@mui/material';
import { BarChart } from '@mui/x-charts/BarChart';
import { LineChart } from '@mui/x-charts/LineChart';

const money = (value) => (value == null ? '' : Number(value).toFixed(2));

/** Revenue per place over time: one line per place, one point per day. */
export const RevenueChart = ({ hours }) => {
  const days = [...new Set(hours.map((h) => h.hour.slice(0, 10)))].sort();
  const places = [...new Set(hours.map((h) => h.place_id))].sort();
  const totals = {};
  hours.forEach((h) => {
    const key = `${h.place_id}|${h.hour.slice(0, 10)}`;
    totals[key] = (totals[key] || 0) + Number(h.total);
  });
  return (
    <Box data-testid="revenue-chart">
      <LineChart
        height={280}
        xAxis={[{ scaleType: 'point', data: days, valueFormatter: (day) => day.slice(5) }]}
        series={places.map((place) => ({
          id: place,
          label: place,
          data: days.map((day) => Math.round(100 * (totals[`${place}|${day}`] || 0)) / 100),
          valueFormatter: money,
        }))}
        yAxis={[{ width: 72 }]}
        grid={{ horizontal: true }}
      />
    </Box>
  );
};

/** Spending by category: horizontal bars, the largest first. */
export const CategoryChart = ({ categories }) => {
  const entries = Object.entries(categories).sort((a, b) => Number(b[1].total_spent) - Number(a[1].total_spent));
  return (
    <Box data-testid="category-chart">
      <BarChart
        layout="horizontal"
        height={Math.max(160, 48 + 32 * entries.length)}
        yAxis={[{ scaleType: 'band', data: entries.map(([name]) => name), width: 120 }]}
        series={[{ id: 'total_spent', data: entries.map(([, c]) => Number(c.total_spent)), valueFormatter: money }]}
        grid={{ vertical: true }}
      />
    </Box>
  );
};
