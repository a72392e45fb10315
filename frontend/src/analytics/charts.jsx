// Two small SVG charts (no chart library is installed in the dashboard's node_modules).
import { Box, Typography } from '@mui/material';

const COLORS = ['#1976d2', '#d32f2f', '#388e3c', '#f57c00', '#7b1fa2', '#0097a7', '#5d4037', '#c2185b'];

/** Revenue per place over time: one line per place, one point per day. */
export const RevenueChart = ({ hours }) => {
  const days = [...new Set(hours.map((h) => h.hour.slice(0, 10)))].sort();
  const places = [...new Set(hours.map((h) => h.place_id))].sort();
  const totals = {};
  hours.forEach((h) => {
    const key = `${h.place_id}|${h.hour.slice(0, 10)}`;
    totals[key] = (totals[key] || 0) + Number(h.total);
  });
  const max = Math.max(1, ...Object.values(totals));
  const width = 640;
  const height = 220;
  const x = (i) => (days.length > 1 ? 40 + (i * (width - 60)) / (days.length - 1) : width / 2);
  const y = (v) => height - 20 - (v / max) * (height - 40);
  return (
    <Box data-testid="revenue-chart">
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label="revenue per place">
        <line x1="40" y1={height - 20} x2={width - 20} y2={height - 20} stroke="#999" />
        <text x="2" y="16" fontSize="10">{max.toFixed(2)}</text>
        {places.map((place, p) => (
          <g key={place}>
            <polyline
              fill="none"
              stroke={COLORS[p % COLORS.length]}
              strokeWidth="2"
              points={days.map((day, i) => `${x(i)},${y(totals[`${place}|${day}`] || 0)}`).join(' ')}
            />
            {days.map((day, i) => (
              <circle key={day} cx={x(i)} cy={y(totals[`${place}|${day}`] || 0)} r="3" fill={COLORS[p % COLORS.length]}>
                <title>{`${place} ${day}: ${(totals[`${place}|${day}`] || 0).toFixed(2)}`}</title>
              </circle>
            ))}
          </g>
        ))}
        {days.map((day, i) => (
          <text key={day} x={x(i)} y={height - 5} fontSize="9" textAnchor="middle">{day.slice(5)}</text>
        ))}
      </svg>
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
        {places.map((place, p) => (
          <Typography key={place} variant="caption" sx={{ color: COLORS[p % COLORS.length] }}>■ {place}</Typography>
        ))}
      </Box>
    </Box>
  );
};

/** Spending by category: horizontal bars. */
export const CategoryChart = ({ categories }) => {
  const entries = Object.entries(categories).sort((a, b) => Number(b[1].total_spent) - Number(a[1].total_spent));
  const max = Math.max(1, ...entries.map(([, c]) => Number(c.total_spent)));
  return (
    <Box data-testid="category-chart">
      {entries.map(([name, figures], i) => (
        <Box key={name} sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 0.5 }}>
          <Typography variant="body2" sx={{ width: 140, overflow: 'hidden' }}>{name}</Typography>
          <Box sx={{ flex: 1 }}>
            <Box
              sx={{
                height: 14,
                width: `${(100 * Number(figures.total_spent)) / max}%`,
                bgcolor: COLORS[i % COLORS.length],
              }}
            />
          </Box>
          <Typography variant="body2" sx={{ width: 110, textAlign: 'right' }}>{figures.total_spent}</Typography>
        </Box>
      ))}
    </Box>
  );
};
