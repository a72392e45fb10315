import { useEffect, useState } from 'react';
import BusinessIcon from '@mui/icons-material/Business';
import { Box, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import {
  Create,
  CreateButton,
  DataTable,
  DeleteWithConfirmButton,
  Edit,
  List,
  ReferenceManyField,
  SaveButton,
  SimpleForm,
  TextField,
  TextInput,
  Toolbar,
  required,
  useDataProvider,
  useRecordContext,
  useTranslate,
} from 'react-admin';
import { DateTimeField, ListActions, listSx } from '../common';
import { Money, PaymentStatusChip } from './common';

const organizationFilters = [
  <TextInput key="q" source="q" label="rh.payments.search" alwaysOn resettable />,
];

/** A valid INN: 10 or 12 digits with the tax service's check digits (the server checks it too). */
const digit = (inn, weights) => weights.reduce((sum, w, i) => sum + w * Number(inn[i]), 0) % 11 % 10;
export const innIsValid = (inn) => {
  if (!/^\d{10}$|^\d{12}$/.test(inn || '')) return false;
  if (inn.length === 10) return digit(inn, [2, 4, 10, 3, 5, 9, 4, 6, 8]) === Number(inn[9]);
  return digit(inn, [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === Number(inn[10])
    && digit(inn, [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === Number(inn[11]);
};
const validInn = (value) => (innIsValid(value) ? undefined : 'rh.payments.bad_inn');

export const OrganizationList = () => (
  <List filters={organizationFilters} actions={<ListActions><CreateButton /></ListActions>}
    sort={{ field: 'name', order: 'ASC' }} perPage={25} sx={listSx}>
    <DataTable rowClick="edit" bulkActionButtons={false}>
      <DataTable.Col source="inn"><TextField source="inn" data-testid="organization-inn" /></DataTable.Col>
      <DataTable.Col source="name" />
      <DataTable.Col source="balance"><Money source="balance" testid="organization-balance" /></DataTable.Col>
      <DataTable.Col source="created_at"><DateTimeField source="created_at" /></DataTable.Col>
    </DataTable>
  </List>
);

/** The organization's balance log, newest first (GET /organizations/{id}/balance-log). */
const BalanceLog = () => {
  const record = useRecordContext();
  const dataProvider = useDataProvider();
  const translate = useTranslate();
  const [rows, setRows] = useState([]);
  useEffect(() => {
    if (!record) return;
    dataProvider.getList(`organizations/${record.id}/balance-log`, {
      pagination: { page: 1, perPage: 100 }, sort: { field: 'id', order: 'DESC' }, filter: {},
    }).then(({ data }) => setRows(data)).catch(() => setRows([]));
  }, [record, dataProvider]);
  if (!record) return null;
  return (
    <Box sx={{ mt: 2 }} data-testid="balance-log">
      <Typography variant="h6">{translate('rh.payments.balance_log')}</Typography>
      <Table size="small">
        <TableHead><TableRow>
          <TableCell>{translate('resources.payments.fields.received_at')}</TableCell>
          <TableCell align="right">{translate('rh.payments.delta')}</TableCell>
          <TableCell align="right">{translate('rh.payments.balance_after')}</TableCell>
          <TableCell>{translate('rh.payments.reason')}</TableCell>
          <TableCell>operation_id</TableCell>
        </TableRow></TableHead>
        <TableBody>
          {rows.map((row) => (
            <TableRow key={row.id}>
              <TableCell>{new Date(row.created_at).toLocaleString()}</TableCell>
              <TableCell align="right">+{row.delta}</TableCell>
              <TableCell align="right">{row.balance_after}</TableCell>
              <TableCell>{row.reason}</TableCell>
              <TableCell sx={{ fontFamily: 'monospace' }}>{row.operation_id}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
};

const OrganizationToolbar = () => (
  <Toolbar sx={{ display: 'flex', justifyContent: 'space-between' }}>
    <SaveButton />
    <DeleteWithConfirmButton mutationMode="pessimistic" />
  </Toolbar>
);

export const OrganizationEdit = () => (
  <Edit mutationMode="pessimistic" redirect={false}>
    <SimpleForm toolbar={<OrganizationToolbar />}>
      <TextField source="inn" />
      <Money source="balance" testid="organization-balance" />
      <TextInput source="name" validate={required()} fullWidth />
      <Typography variant="h6">{'\u00a0'}</Typography>
      <ReferenceManyField reference="payments" target="organization" perPage={50}
        sort={{ field: 'id', order: 'DESC' }}>
        <DataTable bulkActionButtons={false}>
          <DataTable.Col source="operation_id" />
          <DataTable.Col source="amount"><Money source="amount" /></DataTable.Col>
          <DataTable.Col source="document_number" />
          <DataTable.Col source="status"><PaymentStatusChip /></DataTable.Col>
          <DataTable.Col source="received_at"><DateTimeField source="received_at" /></DataTable.Col>
        </DataTable>
      </ReferenceManyField>
      <BalanceLog />
    </SimpleForm>
  </Edit>
);

export const OrganizationCreate = () => (
  <Create redirect="list">
    <SimpleForm>
      <TextInput source="inn" validate={[required(), validInn]} />
      <TextInput source="name" validate={required()} fullWidth />
    </SimpleForm>
  </Create>
);

export const organizations = {
  name: 'organizations',
  list: OrganizationList,
  edit: OrganizationEdit,
  create: OrganizationCreate,
  icon: BusinessIcon,
  recordRepresentation: (record) => `${record.name} (${record.inn})`,
};
