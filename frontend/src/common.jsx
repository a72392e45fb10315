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
