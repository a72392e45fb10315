import polyglotI18nProvider from 'ra-i18n-polyglot';
import { moduleMessages } from '../modules';
import en from './en';
import { mergeMessages } from './merge';
import ru from './ru';

// The shared catalogues, then each module's own messages (src/<module>/index.js `messages`).
const catalogues = {
  ru: mergeMessages(ru, ...moduleMessages('ru')),
  en: mergeMessages(en, ...moduleMessages('en')),
};

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
