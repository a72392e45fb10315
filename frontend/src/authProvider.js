// Login exchanges Basic credentials for a Bearer token (POST /api/v1/auth/token); the token
// is kept in localStorage and sent on every call. The role and its permissions come from
// GET /api/v1/me: the dashboard shows and hides from those alone.
import { API_URL, basicAuthHeader, request, session } from './httpClient';
import { permissionFor } from './modules';

/** Whether a user with these permissions may do `action` on `resource` (unknown resources: no). */
export const canUserAccess = (permissions, resource, action) => {
  const needed = permissionFor(resource, action);
  return Boolean(needed) && (permissions || []).includes(needed);
};

const LOGOUT_TIMEOUT_MS = 3000;

export const createAuthProvider = ({ apiUrl = API_URL } = {}) => {
  let mePromise = null;

  /** The current user, fetched once per login (and after a page reload). */
  const fetchMe = () => {
    if (!mePromise) {
      mePromise = request(`${apiUrl}/me`)
        .then(({ json }) => {
          session.setUser(json);
          return json;
        })
        .catch((error) => {
          mePromise = null;
          throw error;
        });
    }
    return mePromise;
  };

  return {
    async login({ username, password }) {
      let response;
      try {
        response = await request(`${apiUrl}/auth/token`, {
          method: 'POST',
          auth: false,
          headers: { Authorization: basicAuthHeader(username ?? '', password ?? '') },
        });
      } catch (error) {
        if (error?.status === 401) {
          throw new Error(error.body?.error || 'ra.auth.sign_in_error');
        }
        throw error;
      }
      const { token, expires_at: expiresAt, user } = response.json || {};
      if (!token) throw new Error('ra.auth.sign_in_error');
      session.save({ token, expiresAt, user });
      mePromise = user ? Promise.resolve(user) : null;
    },

    async logout() {
      const token = session.getToken();
      session.clear();
      mePromise = null;
      if (!token) return;
      // Best effort: revoke the token on the server, but never keep the user waiting.
      const controller = typeof AbortController !== 'undefined' ? new AbortController() : null;
      const timer = controller ? setTimeout(() => controller.abort(), LOGOUT_TIMEOUT_MS) : null;
      try {
        await request(`${apiUrl}/auth/token`, {
          method: 'DELETE',
          token,
          signal: controller?.signal,
        });
      } catch {
        // already revoked, expired or unreachable: the token is forgotten anyway
      } finally {
        if (timer) clearTimeout(timer);
      }
    },

    async checkAuth() {
      if (!session.getToken()) {
        // eslint-disable-next-line no-throw-literal
        throw { message: false }; // straight to the login page, no "please log in" toast
      }
    },

    // 401: the token is no longer valid -> log out. 403: the role may not do this -> stay.
    async checkError(error) {
      if (error?.status === 401) {
        session.clear();
        mePromise = null;
        throw error;
      }
    },

    async getIdentity() {
      if (!session.getToken()) throw new Error('ra.auth.auth_check_error');
      const user = await fetchMe();
      return {
        id: user.id,
        fullName: user.full_name || user.username,
        username: user.username,
        role: user.role,
      };
    },

    async getPermissions() {
      if (!session.getToken()) return null;
      const user = await fetchMe();
      return user.permissions || [];
    },

    async canAccess({ resource, action }) {
      if (!session.getToken()) return false;
      const user = await fetchMe();
      return canUserAccess(user.permissions, resource, action);
    },
  };
};

export const authProvider = createAuthProvider();
export default authProvider;
