// Русские тексты панели (язык по умолчанию): react-admin (ra-language-russian) и наши.
// Английский каталог лежит снизу, чтобы ключ, которого нет в русском, не показывался как ключ.
import russianMessages from 'ra-language-russian';
import englishMessages from './en';
import { mergeMessages } from './merge';

export const appMessages = {
  rh: {
    app: { title: 'Receipt Hub' },
    dashboard: {
      title: 'Receipt Hub',
      welcome: 'Здравствуйте, %{name}',
      role: 'Ваша роль: %{role}',
      admin_hint: 'Принтеры, чеки и пользователи — в меню слева.',
      no_pages:
        'Для вашей роли страниц в панели пока нет. Всё, что вам разрешено, доступно через REST API.',
    },
    roles: {
      admin: 'Администратор',
      cashier: 'Кассир',
      analyst: 'Аналитик',
      accountant: 'Бухгалтер',
      erp: 'ERP-система',
      pos: 'POS-терминал',
    },
    choices: {
      check_type: { kitchen: 'Кухонный', client: 'Клиентский' },
      status: { new: 'Новый', rendered: 'Сформирован', printed: 'Напечатан' },
      active: { true: 'Активен', false: 'Неактивен' },
    },
    errors: {
      bad_request: 'Запрос отклонён: проверьте данные',
      unauthorized: 'Сеанс завершён, войдите снова',
      forbidden: 'Вашей роли это не разрешено',
      not_found: 'Не найдено',
      conflict: 'Конфликт с текущим состоянием',
    },
    action: {
      deactivate: 'Деактивировать',
      deactivate_title: 'Деактивировать «%{name}»?',
      deactivate_content: 'Запись останется в списке как неактивная.',
      deactivated: 'Деактивировано',
    },
    printers: {
      api_key_help: 'Оставьте пустым, чтобы ключ сгенерировался.',
      regenerate_key: 'Новый ключ',
      regenerate_title: 'Выпустить новый API-ключ?',
      regenerate_content:
        'Принтер перестанет получать чеки, пока в его программу опроса не введут новый ключ.',
      key_regenerated: 'Новый API-ключ: %{key}',
    },
    checks: {
      retry: 'Повторить формирование',
      reprint: 'Напечатать снова',
      retried: 'Формирование поставлено в очередь',
      reprinted: 'Чек будет напечатан снова',
      order: 'Заказ',
      items: 'Позиции',
      item_name: 'Позиция',
      quantity: 'Кол-во',
      unit_price: 'Цена',
      line_total: 'Сумма',
      total: 'Итого',
      address: 'Адрес',
      client: 'Клиент',
      client_name: 'Имя',
      client_phone: 'Телефон',
      pdf: 'PDF',
      pdf_download: 'Скачать PDF',
      pdf_open: 'Открыть в новой вкладке',
      pdf_loading: 'Загрузка PDF…',
      no_pdf: 'PDF ещё нет',
      render_error: 'Ошибка формирования',
      details: 'Чек',
    },
    users: {
      add: 'Добавить',
      create_title: 'Новый пользователь',
      created: 'Пользователь %{name} создан',
      reset_password: 'Сменить пароль',
      new_password: 'Новый пароль',
      password_changed: 'Пароль изменён',
    },
  },
  resources: {
    printers: {
      name: 'Принтер |||| Принтеры',
      fields: {
        id: 'ID',
        name: 'Название',
        point_id: 'Точка',
        check_type: 'Тип чеков',
        is_active: 'Активен',
        last_seen_at: 'Последний опрос',
        api_key: 'API-ключ',
        created_at: 'Создан',
      },
    },
    checks: {
      name: 'Чек |||| Чеки',
      fields: {
        id: 'ID',
        printer: 'Принтер',
        printer_name: 'Принтер',
        point_id: 'Точка',
        type: 'Тип',
        order_id: 'Заказ',
        status: 'Статус',
        pdf_file: 'PDF-файл',
        render_attempts: 'Попыток формирования',
        render_error: 'Ошибка формирования',
        created_at: 'Создан',
        rendered_at: 'Сформирован',
        printed_at: 'Напечатан',
        created_from: 'Создан с',
        created_to: 'Создан по',
      },
    },
    users: {
      name: 'Пользователь |||| Пользователи',
      fields: {
        id: 'ID',
        q: 'Поиск',
        username: 'Логин',
        password: 'Пароль',
        full_name: 'Полное имя',
        email: 'Эл. почта',
        role: 'Роль',
        is_active: 'Активен',
        created_at: 'Создан',
        last_login_at: 'Последний вход',
      },
    },
  },
};

export default mergeMessages(englishMessages, russianMessages, appMessages);
