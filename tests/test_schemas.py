"""Schema pieces every module shares."""
import datetime as dt
import decimal

import pytest
from marshmallow import Schema, ValidationError

from server import messages
from server.schemas import Money, PeriodEnd, Quantity

UTC = dt.timezone.utc


class Period(Schema):
    before = PeriodEnd()
    through = PeriodEnd(inclusive=True)


@pytest.mark.parametrize("value, before, through", [
    ("2024-01-31", dt.datetime(2024, 2, 1, tzinfo=UTC), dt.datetime(2024, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ("2024-12-31", dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ("2024-01-31T10:00:00Z", dt.datetime(2024, 1, 31, 10, tzinfo=UTC), dt.datetime(2024, 1, 31, 10, tzinfo=UTC)),
    ("2024-01-31T00:00:00+03:00", dt.datetime(2024, 1, 30, 21, tzinfo=UTC), dt.datetime(2024, 1, 30, 21, tzinfo=UTC)),
])
def test_a_date_alone_ends_with_its_day_and_a_moment_is_itself(value, before, through):
    assert Period().load({"before": value, "through": value}) == {"before": before, "through": through}


def test_the_last_day_of_the_calendar_is_refused_as_out_of_range_not_a_500():
    with pytest.raises(ValidationError) as refused:
        Period().load({"before": "9999-12-31"})
    assert refused.value.messages == {"before": [messages.DATE_OUT_OF_RANGE]}


class Line(Schema):
    quantity = Quantity()


@pytest.mark.parametrize("sent, kept", [("2", "2"), ("0.5", "0.5"), ("1.250", "1.25"), ("1.0000", "1"), (1.5, "1.5")])
def test_a_quantity_keeps_its_form(sent, kept):
    assert str(Line().load({"quantity": sent})["quantity"]) == kept


@pytest.mark.parametrize("sent", ["1.0005", "0.0004", decimal.Decimal("1e-4")])
def test_a_quantity_with_more_decimals_than_allowed_is_refused_not_rounded(sent):
    with pytest.raises(ValidationError) as refused:
        Line().load({"quantity": sent})
    assert refused.value.messages == {"quantity": [messages.TOO_MANY_PLACES.format(places=3)]}


class Paid(Schema):
    exact = Money(exact=True)
    rounded = Money()


def test_exact_money_refuses_a_fraction_of_a_kopeck_that_money_rounds():
    assert Paid().load({"exact": "100.10", "rounded": "100.005"}) == {
        "exact": decimal.Decimal("100.10"), "rounded": decimal.Decimal("100.01")}
    with pytest.raises(ValidationError) as refused:
        Paid().load({"exact": "100.005"})
    assert refused.value.messages == {"exact": [messages.TOO_MANY_PLACES.format(places=2)]}


@pytest.mark.parametrize("sent", ["+200", "2_00", "\u0662\u0660\u0660", "2E2", " 1 ", "1.", ".5", "0x10", "Infinity"])
def test_a_number_sent_as_a_string_is_written_plainly_as_the_document_says(sent):
    for schema, name in ((Paid(), "exact"), (Paid(), "rounded"), (Line(), "quantity")):
        with pytest.raises(ValidationError) as refused:
            schema.load({name: sent})
        assert list(refused.value.messages) == [name]


def test_minus_zero_money_is_zero():
    loaded = Paid().load({"exact": "-0", "rounded": "-0.00"})
    assert [str(loaded["exact"]), str(loaded["rounded"])] == ["0.00", "0.00"]
