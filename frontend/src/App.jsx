import { BrowserRouter } from 'react-router-dom';
import { Admin, Resource } from 'react-admin';
import { authProvider } from './authProvider';
import { dataProvider } from './dataProvider';
import { i18nProvider } from './i18n';
import { AppLayout } from './layout/AppLayout';
import { Dashboard } from './layout/Dashboard';
import { LoginPage } from './accounts/LoginPage';
import { users } from './accounts/users';
import { printers } from './printing/printers';
import { checks } from './printing/checks';

// Served at /admin/ by server/admin.py, which answers every /admin/* path with index.html,
// so the URLs are plain paths (shareable, filters included) under the /admin basename.
// Which role sees which resource: authProvider.canAccess (RESOURCE_ROLES).
// No `requireAuth`: every page already checks the session itself, and with react-admin 5.15
// requireAuth loops thousands of times through checkAuth/logout before showing the login page.
export const App = () => (
  <BrowserRouter basename="/admin">
    <Admin
      title="Receipt Hub"
      dataProvider={dataProvider}
      authProvider={authProvider}
      i18nProvider={i18nProvider}
      layout={AppLayout}
      dashboard={Dashboard}
      loginPage={LoginPage}
      disableTelemetry
    >
      <Resource {...printers} />
      <Resource {...checks} />
      <Resource {...users} />
    </Admin>
  </BrowserRouter>
);

export default App;
