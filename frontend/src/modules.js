// The dashboard's one list of modules, as server/modules.py is the server's. Each module folder's
// index.js gives its resources (each with the permissions that reading and writing it need, from
// GET /api/v1/me), its pages, its home-page cards and its messages in each language.
import accounts from './accounts';
import analytics from './analytics';
import billing from './billing';
import fiscal from './fiscal';
import payments from './payments';
import printing from './printing';

export const MODULES = [printing, fiscal, payments, billing, analytics, accounts];

export const RESOURCES = MODULES.flatMap((module) => module.resources);

// Pages that are not a resource (a simulator, a run's live progress): { path, element, permission,
// menu: { label, icon } } — App.jsx routes them, the menu lists those with `menu` the user may open.
export const PAGES = MODULES.flatMap((module) => module.pages || []);

// Home-page cards: { key, permission, element } — the Dashboard shows those the user may read.
export const HOME_CARDS = MODULES.flatMap((module) => module.cards || []);

/** The permission an action on a resource needs: list and show read, everything else writes. */
export const permissionFor = (resource, action = 'list') => {
  const found = RESOURCES.find((candidate) => candidate.name === resource);
  if (!found) return null;
  return ['list', 'show', 'export'].includes(action) ? found.permissions.read : found.permissions.write;
};

/** Every module's messages in `locale`. */
export const moduleMessages = (locale) => MODULES.map((module) => module.messages?.[locale] || {});
