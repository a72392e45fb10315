import { createElement } from 'react';
import { FiscalCard } from './HomeCard';
import { GroupPage } from './GroupPage';
import { serviceGroups } from './groups';

const receiptTypes = (lang) => (lang === 'ru'
  ? { 1: 'Приход', 2: 'Возврат прихода', 4: 'Расход', 5: 'Возврат расхода', 7: 'Коррекция прихода',
    8: 'Коррекция возврата прихода', 9: 'Коррекция расхода', 10: 'Коррекция возврата расхода' }
  : { 1: 'Sell', 2: 'Sell refund', 4: 'Purchase', 5: 'Purchase refund', 7: 'Sell correction',
    8: 'Sell refund correction', 9: 'Purchase correction', 10: 'Purchase refund correction' });

const taxSystems = { 1: 'ОСН', 2: 'УСН доход', 4: 'УСН доход − расход', 8: 'ЕНВД', 16: 'ЕСХН', 32: 'Патент' };

export default {
  name: 'fiscal',
  resources: [
    { ...serviceGroups, permissions: { read: 'fiscal:groups:read', write: 'fiscal:groups:write' } },
  ],
  pages: [{ path: '/fiscal/:id', element: createElement(GroupPage), permission: 'fiscal:groups:read' }],
  cards: [{ key: 'fiscal', permission: 'fiscal:groups:read', element: createElement(FiscalCard) }],
  messages: {
    ru: {
      resources: {
        'service-groups': { name: 'Кассовые сервисы', fields: { name: 'Название', model: 'Модель кассы' } },
      },
      rh: {
        fiscal: {
          add: 'Добавить', model: 'Модель', access: 'Настройки доступа', start: 'Пуск', stop: 'Стоп',
          receipts: 'Чеки', receipt: 'Чек', shift: 'Смена', no_shift: 'Смена закрыта',
          shift_line: 'Смена №%{number}: %{count} чеков, открыта %{opened}', shift_expired: 'более 24 часов',
          open_shift: 'Открыть смену', close_shift: 'Закрыть смену (Z-отчёт)', x_report: 'X-отчёт',
          z_report: 'Z-отчёт', receipts_count: '%{count} чеков', commodities: 'Товары',
          retry: 'Повторить регистрацию', retried: 'Чек снова отправлен на регистрацию',
          allowed_users: 'Доступ разрешён', denied_users: 'Пользователи', access_saved: 'Доступ сохранён',
          filter_state: 'Статус', filter_type: 'Тип чека', from: 'С', to: 'По',
          card_title: 'Кассы', card_down: 'Остановлены или с ошибкой: %{count}',
          card_near: 'Смены близко к 24 часам: %{count}',
          state: { running: 'Работает', stopped: 'Остановлена', error: 'Ошибка', in_process: 'В обработке',
            success: 'Зарегистрирован' },
          receipt_type: receiptTypes('ru'),
          payment_type: { 0: 'Наличные', 1: 'Карта', 2: 'Предоплата' },
          tax_system: taxSystems,
          column: { id: '№', receiptType: 'Тип', state: 'Статус', receipt_num: 'Номер ФД',
            commodities_total_cost: 'Сумма', created_at: 'Принят' },
        },
      },
    },
    en: {
      resources: {
        'service-groups': { name: 'Cash register services', fields: { name: 'Name', model: 'Cash register model' } },
      },
      rh: {
        fiscal: {
          add: 'Add', model: 'Model', access: 'Access settings', start: 'Start', stop: 'Stop',
          receipts: 'Receipts', receipt: 'Receipt', shift: 'Shift', no_shift: 'Shift closed',
          shift_line: 'Shift #%{number}: %{count} receipts, opened %{opened}', shift_expired: 'over 24 hours',
          open_shift: 'Open shift', close_shift: 'Close shift (Z report)', x_report: 'X report',
          z_report: 'Z report', receipts_count: '%{count} receipts', commodities: 'Commodities',
          retry: 'Register again', retried: 'The receipt is queued for registration again',
          allowed_users: 'Allowed', denied_users: 'Users', access_saved: 'Access saved',
          filter_state: 'State', filter_type: 'Receipt type', from: 'From', to: 'To',
          card_title: 'Cash registers', card_down: 'Stopped or in error: %{count}',
          card_near: 'Shifts near 24 hours: %{count}',
          state: { running: 'Running', stopped: 'Stopped', error: 'Error', in_process: 'In process',
            success: 'Registered' },
          receipt_type: receiptTypes('en'),
          payment_type: { 0: 'Cash', 1: 'Card', 2: 'Prepayment' },
          tax_system: { 1: 'OSN', 2: 'USN income', 4: 'USN income − expense', 8: 'ENVD', 16: 'ESN', 32: 'Patent' },
          column: { id: 'No.', receiptType: 'Type', state: 'State', receipt_num: 'FD number',
            commodities_total_cost: 'Total', created_at: 'Accepted' },
        },
      },
    },
  },
};
