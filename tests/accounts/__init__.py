from server.accounts import service
from server.accounts.models import User


def access_path_values() -> dict:
    cashier = User.get(User.username == "cashier")
    _, token = service.issue_token(cashier, "access test")
    return {"user_id": cashier.id, "token_id": token.id}
