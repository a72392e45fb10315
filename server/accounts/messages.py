"""What the accounts module says to clients."""

USERNAME_TAKEN = "Пользователь с таким именем уже существует"
NO_SUCH_USER = "Пользователь не найден"
NO_SUCH_TOKEN = "Токен не найден"
NO_LOCKING_OUT = "Нельзя отключить себя или снять с себя роль администратора"
BAD_USERNAME = "Только буквы, цифры и символы . @ + - _"
BAD_EMAIL = "Некорректный адрес электронной почты"
