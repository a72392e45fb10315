from server.analytics.models import Place


def access_path_values() -> dict:
    Place.insert(id="place-access", name="Access").on_conflict_ignore().execute()
    return {"place_id": "place-access"}
