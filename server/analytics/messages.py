"""What the analytics module says to clients (Russian first; the dashboard has both languages)."""
from server.messages import add_translations

INVALID_RECEIPT = "Некорректный чек"
ACCEPTED = "accepted"
DUPLICATE = "already accepted"
CONFLICT = "Чек с таким transaction_id уже принят с другим содержимым"
TOTAL_MISMATCH = "Сумма чека должна равняться сумме цена × количество по позициям: {expected}"
VAT_OVER_TOTAL = "НДС не может превышать сумму чека"
TOO_PRECISE = "Не более {places} знаков после запятой"
NO_SUCH_PLACE = "Место покупки не найдено"
PERIOD_REVERSED = "Начало периода не может быть позже конца"

add_translations([
    ("Invalid receipt", INVALID_RECEIPT),
    ("A receipt with this transaction_id was already accepted with other content", CONFLICT),
    ("The receipt's total must equal the sum of price × quantity over its items: {expected}", TOTAL_MISMATCH),
    ("VAT cannot exceed the receipt's total", VAT_OVER_TOTAL),
    ("At most {places} decimal places", TOO_PRECISE),
    ("Place not found", NO_SUCH_PLACE),
    ("The start of the period cannot be after its end", PERIOD_REVERSED),
])
