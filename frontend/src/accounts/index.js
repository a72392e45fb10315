import { users } from './users';

export default {
  name: 'accounts',
  resources: [{ ...users, permissions: { read: 'accounts:users:read', write: 'accounts:users:write' } }],
  cards: [],
};
