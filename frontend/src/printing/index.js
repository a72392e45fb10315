import { cards } from './cards';
import { checks } from './checks';
import { printers } from './printers';

export default {
  name: 'printing',
  resources: [
    { ...printers, permissions: { read: 'printing:printers:read', write: 'printing:printers:write' } },
    { ...checks, permissions: { read: 'printing:checks:read', write: 'printing:checks:write' } },
  ],
  cards,
};
