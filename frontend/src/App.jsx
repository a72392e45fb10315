import { BrowserRouter, Route } from 'react-router-dom';
import { Admin, CustomRoutes, Resource } from 'react-admin';
import { authProvider } from './authProvider';
import { dataProvider } from './dataProvider';
import { i18nProvider } from './i18n';
import { AppLayout } from './layout/AppLayout';
import { Dashboard } from './layout/Dashboard';
import { LoginPage } from './accounts/LoginPage';
import { PAGES, RESOURCES } from './modules';

// Served at /admin/ by server/admin.py, which answers every /admin/* path with index.html,
// so the URLs are plain paths (shareable, filters included) under the /admin basename.
// Every module's resources (src/modules.js); which ones a user sees: authProvider.canAccess, from the
// permissions GET /api/v1/me lists.
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
      {RESOURCES.map(({ permissions, ...resource }) => (
        <Resource key={resource.name} {...resource} />
      ))}
      <CustomRoutes>
        {PAGES.map((page) => (
          <Route key={page.path} path={page.path} element={page.element} />
        ))}
      </CustomRoutes>
    </Admin>
  </BrowserRouter>
);

export default App;
