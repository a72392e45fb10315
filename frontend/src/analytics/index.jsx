import BarChartIcon from '@mui/icons-material/BarChart';
import ListAltIcon from '@mui/icons-material/ListAlt';
import StoreIcon from '@mui/icons-material/Store';
import { AnalyticsPage, EventsPage, PipelineCard, PlacesPage } from './pages';

const READ = 'analytics:read';

const en = {
  title: 'Analytics', places: 'Places', events: 'Receipt events', from: 'From', to: 'To', place_id: 'Place ID',
  apply: 'Show', csv: 'Export CSV', overall: 'Overall', purchases: 'Purchases', total: 'Total',
  average: 'Average receipt', vat: 'VAT', tips: 'Tips', place: 'Place', revenue_chart: 'Revenue per place by day',
  category_chart: 'Spending by category', status: 'Status', reason: 'Reason', details: 'Details', user: 'User',
  time: 'Time', dead_letters: 'Dead letters', pipeline: 'Receipts pipeline', unsent: 'Outbox (not yet in Kafka)',
  lag: 'oldest', receipts_today: 'Receipts stored today',
};

const ru = {
  title: 'Аналитика', places: 'Места покупок', events: 'Журнал чеков', from: 'С', to: 'По', place_id: 'ID места',
  apply: 'Показать', csv: 'Выгрузить CSV', overall: 'Итого', purchases: 'Покупок', total: 'Сумма',
  average: 'Средний чек', vat: 'НДС', tips: 'Чаевые', place: 'Место', revenue_chart: 'Выручка по местам по дням',
  category_chart: 'Траты по категориям', status: 'Статус', reason: 'Причина', details: 'Подробности',
  user: 'Пользователь', time: 'Время', dead_letters: 'Неразобранные сообщения', pipeline: 'Поток чеков',
  unsent: 'Outbox (ещё не в Kafka)', lag: 'старейший', receipts_today: 'Чеков сохранено сегодня',
};

export default {
  name: 'analytics',
  resources: [],
  pages: [
    { path: '/analytics', element: <AnalyticsPage />, permission: READ,
      menu: { label: 'rh.analytics.title', icon: <BarChartIcon /> } },
    { path: '/analytics/places', element: <PlacesPage />, permission: READ,
      menu: { label: 'rh.analytics.places', icon: <StoreIcon /> } },
    { path: '/analytics/events', element: <EventsPage />, permission: READ,
      menu: { label: 'rh.analytics.events', icon: <ListAltIcon /> } },
  ],
  cards: [{ key: 'analytics-pipeline', permission: READ, element: <PipelineCard /> }],
  messages: { en: { rh: { analytics: en } }, ru: { rh: { analytics: ru } } },
};
