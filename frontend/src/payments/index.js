import { createElement } from 'react';
import SimulatorIcon from '@mui/icons-material/Science';
import { organizations } from './organizations';
import { deliveries, payments } from './payments';
import { Simulator } from './Simulator';
import { PaymentsCard } from './HomeCard';

const ru = {
  resources: {
    organizations: {
      name: 'Организация |||| Организации',
      fields: { inn: 'ИНН', name: 'Название', balance: 'Баланс', created_at: 'Создана', q: 'Поиск' },
    },
    payments: {
      name: 'Платёж |||| Платежи',
      fields: {
        id: '№', operation_id: 'operation_id', amount: 'Сумма', payer_inn: 'ИНН плательщика',
        organization_name: 'Организация', document_number: 'Документ', document_date: 'Дата документа',
        status: 'Статус', received_at: 'Получен',
      },
    },
    'webhook-deliveries': {
      name: 'Вебхук банка |||| Вебхуки банка',
      fields: {
        id: '№', received_at: 'Получен', outcome: 'Итог', status_code: 'HTTP', operation_id: 'operation_id',
        payer_inn: 'ИНН', amount: 'Сумма', reason: 'Причина', remote_ip: 'Адрес',
      },
    },
  },
  rh: {
    payments: {
      search: 'ИНН или название', inn: 'ИНН', bad_inn: 'Некорректный ИНН (контрольная сумма)',
      received_from: 'Получен с', received_to: 'Получен по',
      balance_log: 'Журнал баланса', delta: 'Изменение', balance_after: 'Баланс после', reason: 'Причина',
      assign: 'Зачислить', assign_title: 'Зачислить платёж %{amount} (ИНН %{inn}) организации', assigned: 'Платёж зачислен',
      outcome: { credited: 'Зачислен', unmatched: 'Не сопоставлен', duplicate: 'Повтор', conflict: 'Конфликт', refused: 'Отклонён' },
      simulator: 'Симулятор вебхука банка',
      simulator_hint: 'Сервер подписывает вебхук секретом BANK_WEBHOOK_SECRET и отправляет его на свой POST /api/v1/webhook/bank/ по HTTP, как банк.',
      new_id: 'Новый', sign: 'Подписать', send: 'Отправить', send_again: 'Отправить ещё раз', next_operation: 'Новая операция',
      request: 'Запрос', response: 'Ответ', balance_before_after: 'Баланс до → после',
      card_title: 'Платежи', unmatched_count: 'Несопоставленных платежей: %{count}', conflicts_count: 'Конфликтов: %{count}',
      reconciled_ok: 'Сверка %{when}: расхождений нет', reconciled_bad: 'Сверка %{when}: расхождений — %{count}',
      not_reconciled: 'Сверки ещё не было', reconcile_now: 'Сверить сейчас',
    },
  },
};

const en = {
  resources: {
    organizations: {
      name: 'Organization |||| Organizations',
      fields: { inn: 'INN', name: 'Name', balance: 'Balance', created_at: 'Created', q: 'Search' },
    },
    payments: {
      name: 'Payment |||| Payments',
      fields: {
        id: '#', operation_id: 'operation_id', amount: 'Amount', payer_inn: "Payer's INN",
        organization_name: 'Organization', document_number: 'Document', document_date: 'Document date',
        status: 'Status', received_at: 'Received',
      },
    },
    'webhook-deliveries': {
      name: 'Bank webhook |||| Bank webhooks',
      fields: {
        id: '#', received_at: 'Received', outcome: 'Outcome', status_code: 'HTTP', operation_id: 'operation_id',
        payer_inn: 'INN', amount: 'Amount', reason: 'Reason', remote_ip: 'Address',
      },
    },
  },
  rh: {
    payments: {
      search: 'INN or name', inn: 'INN', bad_inn: 'Invalid INN (checksum)',
      received_from: 'Received from', received_to: 'Received to',
      balance_log: 'Balance log', delta: 'Change', balance_after: 'Balance after', reason: 'Reason',
      assign: 'Assign', assign_title: 'Credit payment %{amount} (INN %{inn}) to', assigned: 'Payment credited',
      outcome: { credited: 'Credited', unmatched: 'Unmatched', duplicate: 'Duplicate', conflict: 'Conflict', refused: 'Refused' },
      simulator: 'Bank webhook simulator',
      simulator_hint: 'The server signs the webhook with BANK_WEBHOOK_SECRET and posts it to its own POST /api/v1/webhook/bank/ over HTTP, as a bank would.',
      new_id: 'New', sign: 'Sign', send: 'Send', send_again: 'Send again', next_operation: 'Next operation',
      request: 'Request', response: 'Response', balance_before_after: 'Balance before → after',
      card_title: 'Payments', unmatched_count: 'Unmatched payments: %{count}', conflicts_count: 'Conflicts: %{count}',
      reconciled_ok: 'Reconciled %{when}: no mismatch', reconciled_bad: 'Reconciled %{when}: %{count} mismatches',
      not_reconciled: 'Not reconciled yet', reconcile_now: 'Reconcile now',
    },
  },
};

export default {
  name: 'payments',
  resources: [
    { ...organizations, permissions: { read: 'payments:organizations:read', write: 'payments:organizations:write' } },
    { ...payments, permissions: { read: 'payments:payments:read', write: 'payments:payments:write' } },
    { ...deliveries, permissions: { read: 'payments:deliveries:read', write: 'payments:payments:write' } },
  ],
  pages: [
    {
      path: '/webhook/bank/simulator/',
      element: createElement(Simulator),
      permission: 'payments:simulator',
      menu: { label: 'rh.payments.simulator', icon: createElement(SimulatorIcon) },
    },
  ],
  cards: [{ key: 'payments', permission: 'payments:payments:read', element: createElement(PaymentsCard) }],
  messages: { ru, en },
};
