import { Chip } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';

/** An amount as the API gives it (a JSON number, exact to kopecks), in roubles. */
export const formatMoney = (value) =>
  value === null || value === undefined ? '—'
    : `${Number(value).toLocaleString('ru-RU', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ₽`;

export const Money = ({ source, testid }) => {
  const record = useRecordContext();
  if (!record) return null;
  return <span data-testid={testid} data-value={record[source]}>{formatMoney(record[source])}</span>;
};

const COLORS = { credited: 'success', unmatched: 'warning', duplicate: 'default', conflict: 'error', refused: 'error' };

export const PaymentStatusChip = ({ source = 'status' }) => {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record) return null;
  const value = record[source];
  return <Chip size="small" color={COLORS[value] || 'default'} data-status={value}
    label={translate(`rh.payments.outcome.${value}`, { _: value })} />;
};

export const paymentStatusChoices = ['credited', 'unmatched'].map((id) => ({ id, name: `rh.payments.outcome.${id}` }));
export const outcomeChoices = ['credited', 'unmatched', 'duplicate', 'conflict', 'refused']
  .map((id) => ({ id, name: `rh.payments.outcome.${id}` }));
