"""What the fiscal module says to clients (Russian first)."""
from server.messages import add_translations

INVALID_RECEIPT = "Некорректные данные чека"
NO_SUCH_GROUP = "Кассовый сервис не найден"
NO_SUCH_RECEIPT = "Чек не найден"
NO_SUCH_MODEL = "Неизвестная модель кассы"
DEVICE_NOT_RUNNING = "Касса не запущена"
SHIFT_EXPIRED = "Смена открыта более 24 часов: закройте смену"
SHIFT_ALREADY_OPEN = "Смена уже открыта"
SHIFT_NOT_OPEN = "Смена не открыта"
IDEMPOTENCY_CONFLICT = "Чек с этим ключом идемпотентности (или order_id и типом) уже принят с другими данными"
CONTACT_REQUIRED = "Укажите email или phone_number"
TAX_SYSTEM_NOT_ALLOWED = "Касса не поддерживает эту систему налогообложения"
PAYMENTS_DO_NOT_MATCH = "Сумма оплат должна равняться сумме товаров (сдача возможна только с наличных)"
CORRECTION_REQUIRED = "Обязательно для чека коррекции"
BAD_DATE = "Дата в формате дд.мм.гггг"
UNKNOWN_USERS = "Нет таких пользователей: {ids}"
NOT_CASHIERS = "Не кассиры (в список доступа вносятся кассиры): {ids}"
IDEMPOTENCY_KEY_FORM = "От 1 до {limit} печатных символов"
DRIVER_FAILED = "Ошибка кассы: {error}"
NOT_REGISTERED = "Чек ещё не зарегистрирован: QR-кода нет"
GROUP_HAS_RECEIPTS = "У группы есть фискальные чеки: её нельзя удалить, только остановить кассу"
NOT_FAILED = "Повторить можно только чек в состоянии error"

add_translations([
    ("Invalid receipt data", INVALID_RECEIPT),
    ("Cash register service not found", NO_SUCH_GROUP),
    ("Receipt not found", NO_SUCH_RECEIPT),
    ("Unknown cash register model", NO_SUCH_MODEL),
    ("The cash register is not running", DEVICE_NOT_RUNNING),
    ("The shift has been open for more than 24 hours: close it", SHIFT_EXPIRED),
    ("The shift is already open", SHIFT_ALREADY_OPEN),
    ("The shift is not open", SHIFT_NOT_OPEN),
    ("A receipt with this idempotency key (or order_id and type) was already accepted with other data",
     IDEMPOTENCY_CONFLICT),
    ("Give email or phone_number", CONTACT_REQUIRED),
    ("The cash register does not support this tax system", TAX_SYSTEM_NOT_ALLOWED),
    ("The payments must add up to the products' total (change is possible from cash only)",
     PAYMENTS_DO_NOT_MATCH),
    ("Required for a correction receipt", CORRECTION_REQUIRED),
    ("A date as dd.mm.yyyy", BAD_DATE),
    ("No such users: {ids}", UNKNOWN_USERS),
    ("Not cashiers (the access list takes cashiers): {ids}", NOT_CASHIERS),
    ("1 to {limit} printable characters", IDEMPOTENCY_KEY_FORM),
    ("Cash register error: {error}", DRIVER_FAILED),
    ("The receipt is not registered yet: it has no QR code", NOT_REGISTERED),
    ("The group has fiscal receipts: it cannot be deleted, only its cash register stopped", GROUP_HAS_RECEIPTS),
    ("Only a receipt in the error state can be retried", NOT_FAILED),
])
