"""What the printing module says to clients. The first six are the seed's own, which ERP and printer
clients match on: keep them exactly."""
from server.messages import add_translations

CHECKS_CREATED = "Чеки успешно созданы"
DUPLICATE_ORDER = "Для данного заказа уже созданы чеки"
NO_PRINTERS = "Для данной точки не настроено ни одного принтера"
BAD_API_KEY = "Ошибка авторизации"
NO_SUCH_CHECK = "Данного чека не существует"
NO_PDF = "Для данного чека не сгенерирован PDF-файл"

INVALID_ORDER = "Некорректный заказ"
API_KEY_TAKEN = "Принтер с таким api_key уже существует"
ALREADY_RENDERED = "Чек уже сгенерирован: повторная генерация не нужна"
QUEUE_UNAVAILABLE = "Очередь задач недоступна: {error}"
NO_SUCH_PRINTER = "Принтер не найден"
NO_SUCH_CHECK_ADMIN = "Чек не найден"
BAD_TIME_ZONE = "Неизвестный часовой пояс: нужно имя IANA, например Europe/Moscow"

# The seed's six are answered as they are in every language; the others have English too.
add_translations([
    ("Invalid order", INVALID_ORDER),
    ("A printer with this api_key already exists", API_KEY_TAKEN),
    ("The check is already rendered: no need to render it again", ALREADY_RENDERED),
    ("The task queue is unavailable: {error}", QUEUE_UNAVAILABLE),
    ("Printer not found", NO_SUCH_PRINTER),
    ("Check not found", NO_SUCH_CHECK_ADMIN),
    ("Unknown time zone: an IANA name is expected, such as Europe/Moscow", BAD_TIME_ZONE),
])
