import polyglotI18nProvider from 'ra-i18n-polyglot';
import en from './en';
import ru from './ru';

const catalogues = { ru, en };

// Russian first; the locale switcher in the app bar offers English.
export const i18nProvider = polyglotI18nProvider(
  (locale) => catalogues[locale] || ru,
  'ru',
  [
    { locale: 'ru', name: 'Русский' },
    { locale: 'en', name: 'English' },
  ],
  { allowMissing: true },
);

export default i18nProvider;
