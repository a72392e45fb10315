"""What the accounts module says to clients (in Russian; English for `Accept-Language: en`)."""
from server.messages import add_translations

USERNAME_TAKEN = "Пользователь с таким именем уже существует"
NO_SUCH_USER = "Пользователь не найден"
NO_SUCH_TOKEN = "Токен не найден"
NO_LOCKING_OUT = "Нельзя отключить себя или снять с себя роль администратора"
BAD_USERNAME = "Только буквы, цифры и символы . @ + - _"
BAD_EMAIL = "Некорректный адрес электронной почты"

add_translations([
    ("A user with this name already exists", USERNAME_TAKEN),
    ("User not found", NO_SUCH_USER),
    ("Token not found", NO_SUCH_TOKEN),
    ("You cannot deactivate yourself or take away your own admin role", NO_LOCKING_OUT),
    ("Only letters, digits and . @ + - _", BAD_USERNAME),
    ("Not a valid email address", BAD_EMAIL),
])
