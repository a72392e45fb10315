import PriceChangeIcon from '@mui/icons-material/PriceChange';
import {
  Create,
  CreateButton,
  DataTable,
  DateInput,
  Edit,
  List,
  NumberInput,
  SelectField,
  SelectInput,
  SimpleForm,
  TextInput,
  required,
} from 'react-admin';
import { ListActions, listSx } from '../common';

export const tariffKinds = [
  { id: 'water_cold', name: 'rh.billing.tariff.water_cold' },
  { id: 'water_hot', name: 'rh.billing.tariff.water_hot' },
  { id: 'maintenance', name: 'rh.billing.tariff.maintenance' },
];

const TariffList = () => (
  <List
    filters={[<SelectInput key="kind" source="kind" choices={tariffKinds} alwaysOn />,
      <NumberInput key="house" source="house" alwaysOn />]}
    actions={<ListActions><CreateButton /></ListActions>}
    sort={{ field: 'valid_from', order: 'DESC' }}
    sx={listSx}
  >
    <DataTable rowClick="edit" bulkActionButtons={false}>
      <DataTable.Col source="id" />
      <DataTable.Col source="kind"><SelectField source="kind" choices={tariffKinds} /></DataTable.Col>
      <DataTable.Col source="price" />
      <DataTable.Col source="valid_from" />
      <DataTable.Col source="house" disableSort />
    </DataTable>
  </List>
);

const TariffForm = () => (
  <SimpleForm>
    <SelectInput source="kind" choices={tariffKinds} validate={required()} />
    <TextInput source="price" validate={required()} />
    <DateInput source="valid_from" validate={required()} />
    <NumberInput source="house" />
  </SimpleForm>
);

export const tariffs = {
  name: 'tariffs',
  list: TariffList,
  create: () => <Create redirect="list"><TariffForm /></Create>,
  edit: () => <Edit mutationMode="pessimistic" redirect="list"><TariffForm /></Edit>,
  icon: PriceChangeIcon,
};
