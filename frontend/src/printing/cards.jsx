// The printing module's home-page cards: what an admin looks at first. Each figure is the total of a
// filtered list (GET /api/v1/printing/summary), and each card opens that list.
import ErrorIcon from '@mui/icons-material/ErrorOutline';
import HourglassIcon from '@mui/icons-material/HourglassEmpty';
import PrintDisabledIcon from '@mui/icons-material/PrintDisabled';
import TodayIcon from '@mui/icons-material/Today';
import { HomeCard, listLink, useHomeFigures } from '../layout/HomeCard';

/** Minutes without a poll after which a printer counts as silent. */
export const SILENT_MINUTES = 10;

const SUMMARY = `printing/summary?silent_for=${SILENT_MINUTES}`;

const SummaryCard = ({ figure, ...props }) => {
  const { data, loading, error } = useHomeFigures(SUMMARY);
  return <HomeCard {...props} loading={loading} error={error} value={data?.[figure]} data={data} />;
};

export const SilentPrintersCard = () => (
  <SummaryCard
    testId="silent-printers"
    figure="silent_printers"
    icon={<PrintDisabledIcon />}
    title="rh.home.silent_printers"
    hint="rh.home.silent_printers_hint"
    hintArgs={{ minutes: SILENT_MINUTES }}
    to={listLink('printers', { is_active: true, silent_for: SILENT_MINUTES }, { field: 'last_seen_at', order: 'ASC' })}
    alarm
  />
);

export const FailedChecksCard = () => (
  <SummaryCard
    testId="failed-checks"
    figure="failed_checks"
    icon={<ErrorIcon />}
    title="rh.home.failed_checks"
    hint="rh.home.failed_checks_hint"
    to={listLink('checks', { failed: true })}
    alarm
  />
);

export const WaitingChecksCard = () => (
  <SummaryCard
    testId="waiting-checks"
    figure="waiting_checks"
    icon={<HourglassIcon />}
    title="rh.home.waiting_checks"
    hint="rh.home.waiting_checks_hint"
    to={listLink('checks', { status: 'new', failed: false })}
  />
);

export const TodayOrdersCard = () => (
  <SummaryCard
    testId="today-orders"
    figure="orders_today"
    icon={<TodayIcon />}
    title="rh.home.orders_today"
    hint="rh.home.orders_today_hint"
    hintFrom={(data) => ({ checks: data?.checks_today ?? 0 })}
    to={(data) => (data ? listLink('checks', { created_from: data.today_from }) : null)}
  />
);

export const cards = [
  { key: 'printing-silent-printers', permission: 'printing:checks:read', element: <SilentPrintersCard /> },
  { key: 'printing-failed-checks', permission: 'printing:checks:read', element: <FailedChecksCard /> },
  { key: 'printing-waiting-checks', permission: 'printing:checks:read', element: <WaitingChecksCard /> },
  { key: 'printing-orders-today', permission: 'printing:checks:read', element: <TodayOrdersCard /> },
];
