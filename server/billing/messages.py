"""What the billing module says to clients (Russian first; the dashboard has the English)."""
from server.messages import add_translations

NO_SUCH_HOUSE = "Дом не найден"
NO_SUCH_APARTMENT = "Квартира не найдена"
NO_SUCH_METER = "Счётчик не найден"
NO_SUCH_TARIFF = "Тариф не найден"
NO_SUCH_RUN = "Расчёт не найден"
ADDRESS_TAKEN = "Дом с таким адресом уже существует"
APARTMENT_TAKEN = "Квартира с таким номером уже есть в доме"
DUPLICATE_APARTMENT = "Номер квартиры повторяется"
SERIAL_TAKEN = "Счётчик с таким серийным номером уже существует: {serials}"
DUPLICATE_SERIAL = "Серийный номер счётчика повторяется"
HOUSE_HAS_BILLS = "У дома есть начисления: его нельзя удалить"
TARIFF_TAKEN = "Тариф этого вида с этой даты уже существует"
REMOVED_BEFORE_INSTALLED = "Дата снятия раньше даты установки"

READING_ROW_INVALID = "Некорректная строка"
READING_NO_METER = "Счётчик не найден"
READING_EXISTS = "Показание за этот месяц уже внесено"
NO_READING_STORED = "Ни одно показание не сохранено"
READING_DUPLICATE_ROW = "Показание этого счётчика за этот месяц повторяется в запросе"
READING_LOWER = "Показание меньше предыдущего ({previous} за {month})"
READING_HIGHER_THAN_NEXT = "Показание больше следующего ({next} за {month})"
READING_BELOW_INITIAL = "Показание меньше начального показания счётчика ({initial})"
READING_BEFORE_INSTALLED = "Счётчик установлен позже этого месяца"
READING_AFTER_REMOVED = "Счётчик снят раньше этого месяца"

NO_TARIFF = "Нет тарифа «{kind}» на {month}"
RUN_QUEUE_UNAVAILABLE = "Очередь задач недоступна: {error}"
RUN_INTERRUPTED = "Расчёт прерван: {error}"

add_translations([
    ("House not found", NO_SUCH_HOUSE),
    ("Apartment not found", NO_SUCH_APARTMENT),
    ("Meter not found", NO_SUCH_METER),
    ("Tariff not found", NO_SUCH_TARIFF),
    ("Billing run not found", NO_SUCH_RUN),
    ("A house with this address already exists", ADDRESS_TAKEN),
    ("The house already has an apartment with this number", APARTMENT_TAKEN),
    ("The apartment number is repeated", DUPLICATE_APARTMENT),
    ("A meter with this serial number already exists: {serials}", SERIAL_TAKEN),
    ("The meter's serial number is repeated", DUPLICATE_SERIAL),
    ("The house has bills: it cannot be deleted", HOUSE_HAS_BILLS),
    ("A tariff of this kind from this date already exists", TARIFF_TAKEN),
    ("The removal date is before the installation date", REMOVED_BEFORE_INSTALLED),
    ("Invalid row", READING_ROW_INVALID),
    ("A reading for this month is already entered", READING_EXISTS),
    ("No reading was stored", NO_READING_STORED),
    ("This meter's reading for this month is repeated in the request", READING_DUPLICATE_ROW),
    ("The reading is below the previous one ({previous} for {month})", READING_LOWER),
    ("The reading is above the next one ({next} for {month})", READING_HIGHER_THAN_NEXT),
    ("The reading is below the meter's initial reading ({initial})", READING_BELOW_INITIAL),
    ("The meter was installed after this month", READING_BEFORE_INSTALLED),
    ("The meter was removed before this month", READING_AFTER_REMOVED),
    ("No «{kind}» tariff for {month}", NO_TARIFF),
    ("The task queue is unavailable: {error}", RUN_QUEUE_UNAVAILABLE),
    ("The billing run was interrupted: {error}", RUN_INTERRUPTED),
])
