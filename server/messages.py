"""What the plumbing itself says to clients: the default text of each status, and the errors of
authentication, bodies and paths. Each module keeps its own in `server/<module>/messages.py`."""

BY_STATUS = {
    400: "Некорректный запрос",
    401: "Требуется авторизация",
    403: "Недостаточно прав",
    404: "Не найдено",
    405: "Метод не поддерживается",
    409: "Конфликт",
    413: "Слишком большое тело запроса",
    415: "Ожидается Content-Type: application/json",
    429: "Слишком много попыток, повторите позже",
    500: "Внутренняя ошибка сервера",
}
ERROR = "Ошибка"
INVALID_DATA = "Некорректные данные"
NOT_JSON = "Тело запроса не является корректным JSON"
TOO_DEEP = "Слишком глубокая вложенность JSON"
NUL_IN_STRING = "Строка не может содержать символ NUL"
NOT_UTF8 = "Строка не является корректным UTF-8"
NO_SUCH_ADDRESS = "Адрес не найден"
BAD_CREDENTIALS = "Неверные или отсутствующие учётные данные"
FORBIDDEN = "Недостаточно прав для этого действия"
NO_ACCESS_TO_RECORD = "Нет доступа к этому объекту"
TOO_MANY_LOGINS = "Слишком много неудачных попыток входа, повторите позже"
FOREIGN_ORIGIN = "Запрос с другого сайта отклонён"
