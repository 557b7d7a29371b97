import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from jingzhun.core.ids import make_id_number, parse_id_number, upgrade_15


@pytest.mark.parametrize(
    ("number", "sex", "birth"),
    [("11010519491231002X", "2", dt.date(1949, 12, 31)), ("513101198201130014", "1", dt.date(1982, 1, 13))],
)
def test_valid_numbers_give_sex_and_birth_date(number, sex, birth):
    facts = parse_id_number(number)
    assert (facts.number, facts.sex, facts.birth_date) == (number, sex, birth)


def test_lowercase_x_is_normalised():
    assert parse_id_number("11010519491231002x").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "id_checksum"),
        ("11010519490230002X", "id_birth_date"),  # 30 February
        ("1101051949123100", "id_length"),
        ("11010519491231A02X", "id_format"),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(number, code):
    with pytest.raises(ValidationError) as exc:
        parse_id_number(number)
    assert exc.value.code == code
    assert exc.value.messages[0]  # a Chinese sentence, not empty


def test_future_birth_date_is_refused():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        parse_id_number(make_id_number("522634", tomorrow, 11))
    assert exc.value.code == "id_future"


def test_thirty_february_message_names_the_date():
    first17 = "52263419800230001"
    with pytest.raises(ValidationError) as exc:
        parse_id_number(first17 + "1")
    assert "19800230" in exc.value.messages[0]


def test_legacy_15_digit_number_is_upgraded():
    assert upgrade_15("110105491231002") == "11010519491231002X"
    assert parse_id_number("110105491231002").number == "11010519491231002X"


def test_make_id_number_round_trips():
    number = make_id_number("522634", dt.date(2008, 2, 29), 37)
    facts = parse_id_number(number)
    assert facts.birth_date == dt.date(2008, 2, 29) and facts.sex == "1" and facts.address_code == "522634"


def test_column_check_agrees_with_the_single_number_check():
    """``parse_id_many`` (bulk imports) accepts exactly what ``parse_id_number`` accepts, with the same facts."""
    import random

    import pyarrow as pa

    from jingzhun.core.ids import parse_id_many

    rng = random.Random(7)
    numbers = []
    for _ in range(5000):
        birth = dt.date(1885, 1, 1) + dt.timedelta(days=rng.randrange(0, 52000))
        number = make_id_number("522634", birth, rng.randrange(1000))
        position = rng.randrange(18)
        mutation = rng.random()
        if mutation < 0.3:
            number = number[:position] + rng.choice("0123456789Xx*") + number[position + 1 :]
        elif mutation < 0.4:
            number = (
                number[:6]
                + rng.choice(["19800230", "20000229", "19000229", "19991301", "19990100"])
                + number[14:]
            )
        elif mutation < 0.45:
            number = number.lower()
        numbers.append(number)
    numbers += ["", "123", "5226341980010100", None]
    column = parse_id_many(pa.array(numbers))
    accepted = 0
    for i, number in enumerate(numbers):
        try:
            facts = parse_id_number(number or "")
        except ValidationError:
            assert not column.ok[i], number
            continue
        assert column.ok[i], number
        assert (str(column.birth_date[i]), column.sex[i]) == (facts.birth_date.isoformat(), facts.sex)
        assert column.number[i].as_py() == facts.number
        accepted += 1
    assert 2000 < accepted < 4500  # both answers were well represented


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_full_width_digits_and_spaces_give_the_ascii_number():
    number = "11010519491231002X"
    assert parse_id_number(number.translate(FULL_WIDTH)).number == number
    assert parse_id_number(" 110105 19491231 002x ").number == number
    assert parse_id_number("１１０１０５　１９４９１２３１００２ｘ").number == number  # ideographic space too


def test_a_wrong_full_width_number_is_told_by_its_checksum_not_its_width():
    with pytest.raises(ValidationError) as exc:
        parse_id_number("110105194912310021".translate(FULL_WIDTH))
    assert exc.value.code == "id_checksum"


def test_digits_of_other_scripts_are_not_digits():
    with pytest.raises(ValidationError) as exc:
        parse_id_number("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X")  # Arabic-Indic: str.isdigit() says yes, NFKC leaves them
    assert exc.value.code == "id_format"


def test_the_column_check_normalises_like_the_row_check():
    import pyarrow as pa

    from jingzhun.core.ids import parse_id_many

    number = "11010519491231002X"
    column = parse_id_many(pa.array([number.translate(FULL_WIDTH), f" {number[:6]} {number[6:].lower()}"]))
    assert column.ok.tolist() == [True, True]
    assert column.number.to_pylist() == [number, number]
