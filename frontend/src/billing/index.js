import { createElement } from 'react';
import { houses } from './houses';
import { RunsCard } from './RunsCard';
import { tariffs } from './tariffs';

const READ = 'billing:read';
const WRITE = 'billing:write';

const ru = {
  rh: {
    billing: {
      month: 'Месяц',
      recalculate: 'Пересчитать (заменить счета месяца)',
      calculate: 'Рассчитать',
      status: { pending: 'В очереди', running: 'Идёт расчёт', done: 'Готово', failed: 'Ошибка' },
      bills: 'Счета за %{month}',
      readings: 'Показания за %{month}',
      apartment: 'Квартира',
      apartments: 'Квартир: %{count}',
      meter: 'Счётчик',
      latest: 'Последнее показание',
      reading: 'Показание',
      water: 'Вода',
      maintenance: 'Содержание',
      total: 'Итого',
      totals: 'Итого (%{count})',
      kind: { cold: 'ХВС', hot: 'ГВС' },
      tariff: { water_cold: 'Холодная вода, м³', water_hot: 'Горячая вода, м³', maintenance: 'Содержание, м²' },
      runs_card: 'Расчёты квартплаты',
      no_runs: 'Нет идущих или неудачных расчётов',
    },
  },
  resources: {
    houses: {
      name: 'Дом |||| Дома',
      fields: { id: 'ID', address: 'Адрес', apartment_count: 'Квартир', created_at: 'Создан', q: 'Поиск',
        apartments: 'Квартиры', number: 'Номер', area: 'Площадь, м²' },
    },
    tariffs: {
      name: 'Тариф |||| Тарифы',
      fields: { id: 'ID', kind: 'Вид', price: 'Цена', valid_from: 'Действует с', house: 'Дом' },
    },
  },
};

const en = {
  rh: {
    billing: {
      month: 'Month',
      recalculate: 'Recalculate (replace the month’s bills)',
      calculate: 'Calculate',
      status: { pending: 'Queued', running: 'Running', done: 'Done', failed: 'Failed' },
      bills: 'Bills for %{month}',
      readings: 'Readings for %{month}',
      apartment: 'Apartment',
      apartments: 'Apartments: %{count}',
      meter: 'Meter',
      latest: 'Latest reading',
      reading: 'Reading',
      water: 'Water',
      maintenance: 'Upkeep',
      total: 'Total',
      totals: 'Total (%{count})',
      kind: { cold: 'cold', hot: 'hot' },
      tariff: { water_cold: 'Cold water, m³', water_hot: 'Hot water, m³', maintenance: 'Upkeep, m²' },
      runs_card: 'Billing runs',
      no_runs: 'No runs in progress or failed',
    },
  },
  resources: {
    houses: {
      name: 'House |||| Houses',
      fields: { id: 'ID', address: 'Address', apartment_count: 'Apartments', created_at: 'Created', q: 'Search',
        apartments: 'Apartments', number: 'Number', area: 'Area, m²' },
    },
    tariffs: {
      name: 'Tariff |||| Tariffs',
      fields: { id: 'ID', kind: 'Kind', price: 'Price', valid_from: 'Valid from', house: 'House' },
    },
  },
};

export default {
  name: 'billing',
  resources: [
    { ...houses, permissions: { read: READ, write: WRITE } },
    { ...tariffs, permissions: { read: READ, write: WRITE } },
  ],
  cards: [{ key: 'billing-runs', permission: READ, element: createElement(RunsCard) }],
  messages: { ru, en },
};
