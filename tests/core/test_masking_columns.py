"""The column-wise exports mask a whole column at once (``masking.mask_column``): every cell as ``mask`` gives it."""

import pyarrow as pa
import pytest

from jingzhun.core import masking

VALUES = [
    "", "5", "52", "5226", "52263", "5226012", "52260123", "522601234", "13800001111", "1380000111", "138000011112",
    "522634199001010017", "52263419900101001X", "522634900101001", "6217002870012345678", "62170", "6217",
    "1990-01-01", "199", "1990", "19900101", "张三丰", "张三丰李四王五赵六钱七孙八", "０５２２６３４１９９０",
    "备注：13800001111 与 522634199001010017", "健康",
]  # fmt: skip


@pytest.mark.parametrize(
    "kind",
    [masking.ID, masking.CERTIFICATE, masking.PHONE, masking.CARD, masking.BANK, masking.BIRTH_DATE,
     masking.TEXT, masking.HEALTH],
)  # fmt: skip
def test_a_masked_column_is_each_value_masked_as_mask_gives_it(kind):
    # in halves (each of few lengths: sliced by length) and whole (many lengths: once per distinct value)
    for values in (VALUES[::2], VALUES[1::2], VALUES * 2):
        assert masking.mask_column(kind, pa.array(values, pa.string())).to_pylist() == [
            masking.mask(kind, v) for v in values
        ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind",
    [masking.ID, masking.CERTIFICATE, masking.PHONE, masking.CARD, masking.BANK, masking.BIRTH_DATE, masking.HEALTH],
)  # fmt: skip
def test_the_query_masks_each_value_as_mask_gives_it(kind):
    # the exports' cells made by PostgreSQL (``mask_sql``) follow the helper's rules, value for value
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL half of `make test`")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {masking.mask_sql(kind, 'v')} FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, o) ORDER BY o",
            [VALUES],
        )
        assert [row[0] for row in cursor.fetchall()] == [masking.mask(kind, v) for v in VALUES]


def test_free_text_has_no_query_mask():
    with pytest.raises(ValueError):
        masking.mask_sql(masking.TEXT, "v")
