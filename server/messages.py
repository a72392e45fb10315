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
DATE_OUT_OF_RANGE = "Дата вне допустимого диапазона."
NUL_IN_FIELD = "Строка не может содержать символ NUL."
TOO_MANY_PLACES = "Не больше {places} знаков после запятой."


# The language of an error. Russian is the default; a client that prefers English
# (`Accept-Language: en`) gets the field messages, and every error text with a translation, in English.
# marshmallow writes its field messages in English and the project writes its own in Russian: each pair
# below is (English, Russian), with {placeholders} that carry over. A module adds its own pairs with
# `add_translations` (in its messages.py); texts without a pair (the seed's) are answered as they are.
import re as _re  # noqa: E402

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"

_TRANSLATIONS: list[tuple[str, str]] = []
_PATTERNS: dict[str, list[tuple[_re.Pattern, str]]] = {"en": [], "ru": []}


def _pattern(template: str) -> _re.Pattern:
    parts = _re.split(r"(\{\w+\})", template)
    regex = "".join(f"(?P<{part[1:-1]}>.+?)" if _re.fullmatch(r"\{\w+\}", part) else _re.escape(part)
                    for part in parts)
    return _re.compile(regex, _re.DOTALL)


def add_translations(pairs) -> None:
    """Teach the error texts' translation more (English, Russian) pairs; the first pair whose
    template matches a text wins, so add specific ones before general ones."""
    for english, russian in pairs:
        _TRANSLATIONS.append((english, russian))
        _PATTERNS["ru"].append((_pattern(english), russian))  # English text -> Russian
        _PATTERNS["en"].append((_pattern(russian), english))  # Russian text -> English


def translate(text, language: str):
    """`text` in `language` when a pair knows it (either way), else `text` itself."""
    if not isinstance(text, str):
        return text
    for pattern, template in _PATTERNS.get(language, ()):
        found = pattern.fullmatch(text)
        if found is not None:
            values = found.groupdict()
            return _re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)
    return text


def preferred_language(accept_language: str | None) -> str:
    """The first of LANGUAGES the client's Accept-Language ranks highest (ru when it names none)."""
    ranked = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in LANGUAGES and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def localized(envelope: dict, language: str) -> dict:
    """The error envelope `{"error", "details"}` with every text in `language`."""
    out = {"error": translate(envelope["error"], language)}
    if envelope.get("details"):
        out["details"] = {name: [translate(text, language) for text in texts] if isinstance(texts, list)
                          else translate(texts, language)
                          for name, texts in envelope["details"].items()}
    return out


add_translations([
    # The plumbing's own texts.
    ("Bad request", BY_STATUS[400]),
    ("Authentication required", BY_STATUS[401]),
    ("Permission denied", BY_STATUS[403]),
    ("Not found", BY_STATUS[404]),
    ("Method not allowed", BY_STATUS[405]),
    ("Conflict", BY_STATUS[409]),
    ("Request body too large", BY_STATUS[413]),
    ("Expected Content-Type: application/json", BY_STATUS[415]),
    ("Too many attempts, try again later", BY_STATUS[429]),
    ("Internal server error", BY_STATUS[500]),
    ("Error", ERROR),
    ("Invalid data", INVALID_DATA),
    ("The request body is not valid JSON", NOT_JSON),
    ("JSON nested too deep", TOO_DEEP),
    ("A string may not contain a NUL character", NUL_IN_STRING),
    ("A string is not valid UTF-8", NOT_UTF8),
    ("No such address", NO_SUCH_ADDRESS),
    ("Wrong or missing credentials", BAD_CREDENTIALS),
    ("Your role may not do this", FORBIDDEN),
    ("No access to this record", NO_ACCESS_TO_RECORD),
    ("Too many failed logins, try again later", TOO_MANY_LOGINS),
    ("A request from another site was refused", FOREIGN_ORIGIN),
    ("Date out of range.", DATE_OUT_OF_RANGE),
    ("A string may not contain a NUL character.", NUL_IN_FIELD),
    ("At most {places} decimal places.", "Не больше {places} знаков после запятой."),
    ("at most {limit} bytes", "не больше {limit} байт"),
    ("at most {limit} levels of nesting", "не больше {limit} уровней вложенности"),
    ("NUL in a string", "символ NUL в строке"),
    ("a lone surrogate in a string", "одиночный суррогат в строке"),
    # marshmallow's field messages, the specific before the general.
    ("Missing data for required field.", "Обязательное поле."),
    ("Field may not be null.", "Поле не может быть null."),
    ("Unknown field.", "Неизвестное поле."),
    ("Invalid input type.", "Некорректный тип данных."),
    ("Invalid value.", "Некорректное значение."),
    ("Invalid input.", "Некорректные данные."),
    ("Invalid type.", "Некорректный тип."),
    ("Not a valid boolean.", "Ожидается true или false."),
    ("Not a valid integer.", "Ожидается целое число."),
    ("Not a valid number.", "Ожидается число."),
    ("Number too large.", "Слишком большое число."),
    ("Special numeric values (nan or infinity) are not permitted.",
     "Специальные значения (nan, infinity) не допускаются."),
    ("Not a valid string.", "Ожидается строка."),
    ("Not a valid utf-8 string.", "Строка не в кодировке UTF-8."),
    ("Not a valid list.", "Ожидается список."),
    ("Not a valid tuple.", "Ожидается список."),
    ("Not a valid mapping type.", "Ожидается объект."),
    ("Not a valid email address.", "Некорректный адрес электронной почты."),
    ("Not a valid URL.", "Некорректный URL."),
    ("Not a valid UUID.", "Некорректный UUID."),
    ("Not a valid datetime.", "Некорректные дата и время."),
    ("Not a valid aware datetime.", "Некорректные дата и время."),
    ("Not a valid naive datetime.", "Некорректные дата и время."),
    ("Not a valid date.", "Некорректная дата."),
    ("Not a valid time.", "Некорректное время."),
    ("Not a valid period of time.", "Некорректный интервал времени."),
    ("Not a valid {what}.", "Некорректное значение ({what})."),
    ('"{input}" cannot be formatted as a {what}.', "«{input}» нельзя записать как {what}."),
    ("Must be one of: {choices}.", "Допустимые значения: {choices}."),
    ("Must be equal to {other}.", "Должно быть равно {other}."),
    ("Length must be between {min} and {max}.", "Длина должна быть от {min} до {max}."),
    ("Length must be {equal}.", "Длина должна быть {equal}."),
    ("Longer than maximum length {max}.", "Длиннее допустимого: не больше {max}."),
    ("Shorter than minimum length {min}.", "Короче допустимого: не меньше {min}."),
    ("Must be greater than or equal to {min} and less than or equal to {max}.",
     "Должно быть от {min} до {max}."),
    ("Must be greater than {min} and less than or equal to {max}.",
     "Должно быть больше {min} и не больше {max}."),
    ("Must be greater than or equal to {min} and less than {max}.",
     "Должно быть не меньше {min} и меньше {max}."),
    ("Must be greater than {min} and less than {max}.", "Должно быть больше {min} и меньше {max}."),
    ("Must be greater than or equal to {min}.", "Должно быть не меньше {min}."),
    ("Must be greater than {min}.", "Должно быть больше {min}."),
    ("Must be less than or equal to {max}.", "Должно быть не больше {max}."),
    ("Must be less than {max}.", "Должно быть меньше {max}."),
    ("String does not match expected pattern.", "Строка не соответствует формату."),
])
