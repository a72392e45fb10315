// Pieces every list and form of the dashboard shares.
import { useState } from 'react';
import BlockIcon from '@mui/icons-material/Block';
import {
  DateField,
  DeleteWithConfirmButton,
  ExportButton,
  FilterButton,
  TopToolbar,
  useDataProvider,
  useLocaleState,
  useNotify,
  useRecordContext,
  useRefresh,
} from 'react-admin';

/** CSV export walks through the API 500 rows at a time up to this many rows. */
export const EXPORT_MAX_ROWS = 100000;

/** Lists scroll sideways on narrow screens (tablets) instead of squeezing columns. */
export const listSx = {
  '& .RaList-content': { overflowX: 'auto' },
  '& .RaList-main': { minWidth: 0 },
};

export const ListActions = ({ children }) => (
  <TopToolbar>
    <FilterButton />
    {children}
    <ExportButton maxResults={EXPORT_MAX_ROWS} />
  </TopToolbar>
);

export const checkTypeChoices = [
  { id: 'kitchen', name: 'rh.choices.check_type.kitchen' },
  { id: 'client', name: 'rh.choices.check_type.client' },
];

export const checkStatusChoices = [
  { id: 'new', name: 'rh.choices.status.new' },
  { id: 'rendered', name: 'rh.choices.status.rendered' },
  { id: 'printed', name: 'rh.choices.status.printed' },
];

export const ROLES = ['admin', 'cashier', 'analyst', 'accountant', 'erp', 'pos'];
export const roleChoices = ROLES.map((id) => ({ id, name: `rh.roles.${id}` }));

/**
 * DELETE on printers and users deactivates: the record stays, with is_active false.
 * Asks first, then goes back to the list.
 */
export const DeactivateButton = ({ nameField = 'name' }) => {
  const record = useRecordContext();
  if (!record) return null;
  return (
    <DeleteWithConfirmButton
      label="rh.action.deactivate"
      icon={<BlockIcon />}
      confirmTitle="rh.action.deactivate_title"
      confirmContent="rh.action.deactivate_content"
      translateOptions={{ name: record[nameField] ?? `#${record.id}` }}
      disabled={record.is_active === false}
      mutationMode="pessimistic"
      successMessage="rh.action.deactivated"
      redirect="list"
    />
  );
};

/** A moment as the dashboard writes it in `locale`: `02.12.2026, 17:25` (ru) or `02/12/2026, 17:25` (en). */
export const formatDateTime = (value, locale) => {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(locale === 'en' ? 'en-GB' : 'ru-RU', {
    day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit',
  });
};

/** A date and time in the dashboard's language (not the browser's). */
export const DateTimeField = (props) => {
  const [locale] = useLocaleState();
  return <DateField showTime locales={locale === 'en' ? 'en-GB' : 'ru-RU'} emptyText="—" {...props} />;
};

/** For optional text the API wants as a string: an emptied input is '' (react-admin would send null). */
export const keepEmpty = (value) => value ?? '';

/**
 * An action on the shown record through the API: `run(record)` calls `call(dataProvider, record)`,
 * `pending` while it runs, then notifies `success` (with `messageArgs(result)`) and reloads the page,
 * or notifies the API's error. `run` itself never throws.
 */
export const useRecordAction = (call, success, messageArgs = () => ({})) => {
  const dataProvider = useDataProvider();
  const notify = useNotify();
  const refresh = useRefresh();
  const [pending, setPending] = useState(false);
  const run = async (record) => {
    setPending(true);
    try {
      const result = await call(dataProvider, record);
      notify(success, { type: 'success', messageArgs: messageArgs(result) });
      refresh();
    } catch (error) {
      notify(error?.message || 'ra.notification.http_error', { type: 'error' });
    } finally {
      setPending(false);
    }
  };
  return { run, pending };
};

const NBSP = '\u00a0';

/**
 * Money as the printed check writes it (server/printing/render.py `money`): kopecks rounded half up,
 * thousands apart by a no-break space, the rouble sign after: `12 980.75 ₽`. Exact on the API's
 * decimal strings (no float on the way); '' for nothing, the value itself when it is not a number.
 */
export const formatMoney = (value) => {
  if (value === null || value === undefined || value === '') return '';
  const text = String(value).trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) {
    const n = Number(text);
    if (!Number.isFinite(n)) return text;
    return formatMoney(n.toFixed(3));
  }
  const [, sign, whole, fraction = ''] = match;
  let cents = BigInt(whole + (fraction + '000').slice(0, 2));
  if (Number((fraction + '000')[2]) >= 5) cents += 1n; // half up, on the magnitude
  const rubles = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  const kopecks = (cents % 100n).toString().padStart(2, '0');
  const negative = sign && cents !== 0n ? '-' : '';
  return `${negative}${rubles}.${kopecks}${NBSP}₽`;
};

/** Exact amount arithmetic in kopecks × 1000 (quantities have up to three decimals). */
const milli = (value) => {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(value ?? '').trim());
  if (!match) return null;
  const [, sign, whole, fraction = ''] = match;
  const n = BigInt(whole + (fraction + '000').slice(0, 3));
  return sign ? -n : n;
};

const scaled = (product) => {
  const negative = product < 0n;
  const digits = (negative ? -product : product).toString().padStart(7, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -6)}.${digits.slice(-6)}`;
};

/** quantity × unit price as an exact decimal string, or null when either is not a number. */
export const lineTotal = (item) => {
  const quantity = milli(item?.quantity);
  const price = milli(item?.unit_price);
  return quantity === null || price === null ? null : scaled(quantity * price);
};

/**
 * The order's total as the printed check computes it (render.py `order_total`): its `price` when it
 * has one, else the exact sum of its lines.
 */
export const orderTotal = (order) => {
  if (order?.price !== undefined && order?.price !== null && order?.price !== '') return String(order.price);
  let sum = 0n;
  for (const item of order?.items || []) {
    const quantity = milli(item?.quantity);
    const price = milli(item?.unit_price);
    if (quantity === null || price === null) return null;
    sum += quantity * price;
  }
  return scaled(sum);
};
