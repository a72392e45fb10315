"""What the payments module says to clients (Russian first)."""
from server.messages import add_translations

CREDITED = "Платёж зачислен"
UNMATCHED = "Платёж принят; организация с этим ИНН не найдена, он будет зачислен при её появлении"
DUPLICATE = "Операция уже обработана"
CONFLICT = "Операция с этим operation_id уже получена с другой суммой или ИНН"
INVALID_WEBHOOK = "Некорректные данные платежа"
BAD_SIGNATURE = "Неверная или отсутствующая подпись запроса"
BAD_INN = "Некорректный ИНН: 10 или 12 цифр с верной контрольной суммой"
AMOUNT_NOT_POSITIVE = "Сумма должна быть больше нуля"
AMOUNT_TOO_BIG = "Слишком большая сумма"
AMOUNT_FRACTION = "Сумма указывается с точностью до копеек"
NO_SUCH_ORGANIZATION = "Организация не найдена"
INN_TAKEN = "Организация с таким ИНН уже существует"
NO_SUCH_PAYMENT = "Платёж не найден"
ASSIGN_TO_ONE = "Укажите одну организацию: organization (id) или inn"
NOT_UNMATCHED = "Платёж уже зачислен"
HAS_PAYMENTS = "У организации есть платежи: её нельзя удалить"
NO_SECRET = ("BANK_WEBHOOK_SECRET не задан: на производственном профиле вебхуки банка принимаются "
             "только с подписью")

add_translations([
    ("Payment credited", CREDITED),
    ("Payment accepted; no organization has this INN yet, it will be credited when one does", UNMATCHED),
    ("The operation was already processed", DUPLICATE),
    ("An operation with this operation_id was already received with another amount or INN", CONFLICT),
    ("Invalid payment data", INVALID_WEBHOOK),
    ("Wrong or missing request signature", BAD_SIGNATURE),
    ("Invalid INN: 10 or 12 digits with a valid checksum", BAD_INN),
    ("The amount must be greater than zero", AMOUNT_NOT_POSITIVE),
    ("The amount is too big", AMOUNT_TOO_BIG),
    ("The amount is given to the kopeck", AMOUNT_FRACTION),
    ("Organization not found", NO_SUCH_ORGANIZATION),
    ("An organization with this INN already exists", INN_TAKEN),
    ("Payment not found", NO_SUCH_PAYMENT),
    ("Give one organization: organization (id) or inn", ASSIGN_TO_ONE),
    ("The payment is already credited", NOT_UNMATCHED),
    ("The organization has payments: it cannot be deleted", HAS_PAYMENTS),
])
