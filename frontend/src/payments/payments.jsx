import { useState } from 'react';
import PaymentsIcon from '@mui/icons-material/Payments';
import LinkIcon from '@mui/icons-material/Link';
import WebhookIcon from '@mui/icons-material/Webhook';
import { Dialog, DialogActions, DialogContent, DialogTitle, MenuItem, TextField as MuiTextField } from '@mui/material';
import {
  Button,
  DataTable,
  DateInput,
  List,
  SelectInput,
  TextField,
  TextInput,
  useGetList,
  useRecordContext,
  useTranslate,
} from 'react-admin';
import { DateTimeField, ListActions, listSx, useRecordAction } from '../common';
import { Money, PaymentStatusChip, outcomeChoices, paymentStatusChoices } from './common';

const paymentFilters = [
  <TextInput key="inn" source="inn" label="rh.payments.inn" alwaysOn resettable />,
  <SelectInput key="status" source="status" choices={paymentStatusChoices} alwaysOn />,
  <DateInput key="received_from" source="received_from" label="rh.payments.received_from" />,
  <DateInput key="received_to" source="received_to" label="rh.payments.received_to" />,
];

/** An unmatched payment credited to an organization the admin picks (POST /payments/{id}/assign). */
const AssignButton = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  const [open, setOpen] = useState(false);
  const [organization, setOrganization] = useState('');
  const { data: organizations = [] } = useGetList('organizations', {
    pagination: { page: 1, perPage: 500 }, sort: { field: 'name', order: 'ASC' },
  }, { enabled: open });
  const { run, pending } = useRecordAction(
    (dataProvider, payment) => dataProvider.action('payments', payment.id, 'assign', { organization }),
    'rh.payments.assigned',
  );
  if (!record || record.status !== 'unmatched') return null;
  return (
    <>
      <Button label="rh.payments.assign" onClick={(e) => { e.stopPropagation(); setOpen(true); }}
        data-testid="assign-payment"><LinkIcon /></Button>
      <Dialog open={open} onClose={() => setOpen(false)} onClick={(e) => e.stopPropagation()}>
        <DialogTitle>{translate('rh.payments.assign_title', { amount: record.amount, inn: record.payer_inn })}</DialogTitle>
        <DialogContent>
          <MuiTextField select fullWidth value={organization} onChange={(e) => setOrganization(e.target.value)}
            label={translate('resources.organizations.name', { smart_count: 1 })} sx={{ mt: 1, minWidth: 320 }}
            inputProps={{ 'data-testid': 'assign-organization' }}>
            {organizations.map((o) => <MenuItem key={o.id} value={o.id}>{`${o.name} (${o.inn})`}</MenuItem>)}
          </MuiTextField>
        </DialogContent>
        <DialogActions>
          <Button label="ra.action.cancel" onClick={() => setOpen(false)} />
          <Button label="rh.payments.assign" disabled={!organization || pending}
            onClick={async () => { await run(record); setOpen(false); }} data-testid="assign-confirm" />
        </DialogActions>
      </Dialog>
    </>
  );
};

export const PaymentList = () => (
  <List filters={paymentFilters} actions={<ListActions />} sort={{ field: 'id', order: 'DESC' }} perPage={25}
    sx={listSx}>
    <DataTable bulkActionButtons={false}>
      <DataTable.Col source="id" />
      <DataTable.Col source="operation_id"><TextField source="operation_id" sx={{ fontFamily: 'monospace' }} /></DataTable.Col>
      <DataTable.Col source="amount"><Money source="amount" /></DataTable.Col>
      <DataTable.Col source="payer_inn" />
      <DataTable.Col source="organization_name" disableSort />
      <DataTable.Col source="document_number" disableSort />
      <DataTable.Col source="document_date"><DateTimeField source="document_date" /></DataTable.Col>
      <DataTable.Col source="status"><PaymentStatusChip /></DataTable.Col>
      <DataTable.Col source="received_at"><DateTimeField source="received_at" /></DataTable.Col>
      <DataTable.Col disableSort><AssignButton /></DataTable.Col>
    </DataTable>
  </List>
);

export const payments = { name: 'payments', list: PaymentList, icon: PaymentsIcon };

const deliveryFilters = [
  <SelectInput key="outcome" source="outcome" choices={outcomeChoices} alwaysOn />,
  <TextInput key="operation_id" source="operation_id" alwaysOn resettable />,
  <TextInput key="payer_inn" source="payer_inn" resettable />,
  <DateInput key="received_from" source="received_from" label="rh.payments.received_from" />,
  <DateInput key="received_to" source="received_to" label="rh.payments.received_to" />,
];

export const DeliveryList = () => (
  <List filters={deliveryFilters} actions={<ListActions />} sort={{ field: 'id', order: 'DESC' }} perPage={25}
    sx={listSx}>
    <DataTable bulkActionButtons={false}>
      <DataTable.Col source="id" />
      <DataTable.Col source="received_at"><DateTimeField source="received_at" /></DataTable.Col>
      <DataTable.Col source="outcome"><PaymentStatusChip source="outcome" /></DataTable.Col>
      <DataTable.NumberCol source="status_code" options={{ useGrouping: false }} />
      <DataTable.Col source="operation_id" disableSort />
      <DataTable.Col source="payer_inn" disableSort />
      <DataTable.Col source="amount" disableSort />
      <DataTable.Col source="reason" disableSort />
      <DataTable.Col source="remote_ip" disableSort />
    </DataTable>
  </List>
);

export const deliveries = { name: 'webhook-deliveries', list: DeliveryList, icon: WebhookIcon };
