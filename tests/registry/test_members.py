"""人口变动: births, deaths, marriages, 户主 changes, moves, 分户/合户 and transfers between counties — each an
immutable dated record read in words, each refusal in Chinese with nothing changed, one person in one household."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from jingzhun.core.models import AuditLog
from jingzhun.registry import members as mc
from jingzhun.registry.models import Household, Member, MemberChange, SplitReview, Transfer, VillageTally
from jingzhun.registry.selectors import household_history
from tests.conftest import COUNTY, COUNTY_B, VILLAGE_A, VILLAGE_B, VILLAGE_B2, id_born_on, member, new_id

TODAY = timezone.localdate()


def persons(h: Household) -> dict[str, Member]:
    return {m.name: m for m in h.members.filter(is_active=True)}


def child(name="杨小明", born=TODAY - dt.timedelta(days=30), **extra):
    extra.setdefault("id_number", id_born_on(born))
    return member("son", name=name, education="preschool_child", labour="none", **extra)


def tally(code=VILLAGE_A):
    return VillageTally.objects.get(region_id=code).persons


# ---- birth, death, 户主 -------------------------------------------------------------------------------------


def test_a_birth_adds_a_member_dated_on_the_birth_and_reads_in_words(register, users):
    h = register(status="registered", identified_year=2014)
    born = TODAY - dt.timedelta(days=3)
    change = mc.member_birth(user=users["village_a"], household=h, member=child(born=born))
    h.refresh_from_db()
    assert h.member_count == 3 and h.head_name == "杨文明" and tally() == 3
    assert h.years.get().household_size == 3  # the latest year follows the household
    assert change.kind == "birth" and change.effective_on == born and change.business_year == born.year
    assert change.words == f"{born:%Y-%m-%d} 新增人口：杨小明（出生）"
    assert change.actor == users["village_a"] and change.member.household == h
    history = household_history(user=users["county"], household=h, full=False)
    entry = next(e for e in history if e.model == "registry.memberchange")
    assert entry.object_repr == change.words
    assert ("变动类型", "—", "出生") in entry.rows and ("所属年度", "—", str(born.year)) in entry.rows
    with pytest.raises(ValueError, match="immutable"):
        change.save()


def test_a_birth_of_someone_already_in_a_household_is_refused_and_changes_nothing(register, users):
    other = register(region=VILLAGE_B)
    h = register()
    taken = other.members.first().id_number
    with pytest.raises(ValidationError) as refused:
        mc.member_birth(user=users["county"], household=h, member=child(id_number=taken),
                        effective_on=TODAY - dt.timedelta(days=30))  # fmt: skip
    assert "一人只能属于一个在册家庭" in refused.value.message_dict["id_number"][0]
    with pytest.raises(ValidationError) as refused:
        mc.member_birth(user=users["county"], household=h, member=child(id_number="110105194912310021"))
    assert "校验位" in refused.value.message_dict["id_number"][0]
    with pytest.raises(ValidationError) as refused:
        mc.member_birth(
            user=users["county"], household=h, member=child(), effective_on=TODAY + dt.timedelta(1)
        )
    assert refused.value.message_dict["effective_on"] == ["变动日期不能晚于今天。"]
    with pytest.raises(ValidationError, match="新生儿不能登记为户主"):
        mc.member_birth(user=users["county"], household=h, member={**child(), "relationship": "head"})
    h.refresh_from_db()
    assert h.member_count == 2 and not MemberChange.objects.exists() and tally() == 2


def test_member_changes_are_refused_outside_scope_and_to_viewers(register, users):
    h = register(region=VILLAGE_B)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        mc.member_birth(user=users["village_a"], household=h, member=child())
    with pytest.raises(PermissionDenied, match="角色不能办理"):
        mc.member_birth(user=users["town_a_viewer"], household=register(), member=child())
    with pytest.raises(PermissionDenied, match="县级、乡镇级、村级"):
        mc.member_birth(user=users["national"], household=h, member=child())
    assert not MemberChange.objects.exists()


def test_a_death_dated_before_birth_or_in_the_future_is_refused(register, users):
    h = register()
    spouse = persons(h)["吴秀英"]
    for died_on, message in (
        (spouse.birth_date - dt.timedelta(days=1), "死亡日期不能早于该成员的出生日期。"),
        (TODAY + dt.timedelta(days=1), "变动日期不能晚于今天。"),
    ):
        with pytest.raises(ValidationError) as refused:
            mc.member_death(user=users["town_a"], household=h, member=spouse, died_on=died_on)
        assert message in refused.value.message_dict["effective_on"]
    with pytest.raises(ValidationError, match="请填写死亡日期"):
        mc.member_death(user=users["town_a"], household=h, member=spouse, died_on=None)
    assert persons(h)["吴秀英"].is_active and not MemberChange.objects.exists()


def test_a_death_removes_the_member_and_the_heads_death_names_a_new_head(register, users):
    h = register()
    people = persons(h)
    change = mc.member_death(user=users["town_a"], household=h, member=people["吴秀英"], died_on=TODAY,
                             reason="病故")  # fmt: skip
    h.refresh_from_db()
    assert h.member_count == 1 and tally() == 1 and not Member.objects.get(pk=people["吴秀英"].pk).is_active
    assert change.words == f"{TODAY:%Y-%m-%d} 自然减少：吴秀英（死亡）" and change.reason == "病故"

    mc.member_birth(user=users["town_a"], household=h, member=child())
    with pytest.raises(ValidationError) as refused:
        mc.member_death(user=users["town_a"], household=h, member=people["杨文明"], died_on=TODAY)
    assert refused.value.message_dict["new_head"] == ["户主杨文明离开本户，请从留在本户的成员中指定新户主。"]
    son = persons(h)["杨小明"]
    mc.member_death(user=users["town_a"], household=h, member=people["杨文明"], died_on=TODAY, new_head=son)
    h.refresh_from_db()
    assert h.head_name == "杨小明" and h.member_count == 1
    assert [c.words for c in h.member_changes.order_by("id")][-1] == (
        f"{TODAY:%Y-%m-%d} 户主变更：杨小明（户主变更，原户主：杨文明）"
    )


def test_the_death_of_the_last_member_cancels_the_household(register, users):
    h = register(members=[member(name="王孤老")])
    mc.member_death(user=users["county"], household=h, member=h.members.get(), died_on=TODAY)
    h.refresh_from_db()
    assert h.status == "cancelled" and h.member_count == 1 and not h.members.filter(is_active=True).exists()
    assert (
        h.status_changes.get(to_status="cancelled").reason == "户内人员均已死亡"
        and VillageTally.objects.filter(region_id=VILLAGE_A).first() is None
    )
    with pytest.raises(ValidationError, match="已注销"):
        mc.member_birth(user=users["county"], household=h, member=child())


def test_head_change_and_marriages(register, users):
    h = register()
    people = persons(h)
    with pytest.raises(ValidationError) as refused:
        mc.head_change(
            user=users["village_a"], household=h, new_head=people["杨文明"], old_head_relationship="head"
        )
    assert set(refused.value.message_dict) == {"new_head", "old_head_relationship"}
    mc.head_change(user=users["village_a"], household=h, new_head=people["吴秀英"], old_head_relationship="spouse",
                   reason="原户主外出务工")  # fmt: skip
    h.refresh_from_db()
    assert h.head_name == "吴秀英" and persons(h)["杨文明"].relationship == "spouse"

    bride = member("daughter_in_law", name="龙阿妹", id_number=new_id(male=False))
    came = mc.member_marry_in(user=users["village_a"], household=h, member=bride, origin="凯里市")
    assert came.words == f"{TODAY:%Y-%m-%d} 新增人口：龙阿妹（婚入，来自凯里市）"
    gone = mc.member_marry_out(
        user=users["village_a"], household=h, member=persons(h)["龙阿妹"], destination="湖南省"
    )
    assert gone.words == f"{TODAY:%Y-%m-%d} 减少人口：龙阿妹（婚出，去往湖南省）"
    h.refresh_from_db()
    assert h.member_count == 2

    registered = register(region=VILLAGE_B).members.first()
    with pytest.raises(ValidationError) as refused:
        mc.member_marry_in(
            user=users["county"], household=h, member=member("spouse", id_number=registered.id_number)
        )
    assert "请在其原户办理迁移（婚嫁）" in " ".join(refused.value.message_dict["id_number"])


# ---- moves within the county, 分户 and 合户 -----------------------------------------------------------------------


def test_a_move_within_the_county_leaves_one_active_row_and_a_record_on_each_card(register, users):
    source, target = register(), register(region=VILLAGE_B)
    spouse = persons(source)["吴秀英"]
    mc.members_move(user=users["county"], household=source, members=[spouse], to_household=target.number,
                    relationships={spouse.pk: "other"}, reason="投亲")  # fmt: skip
    assert Member.objects.filter(id_number=spouse.id_number, is_active=True).get().household == target
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.member_count, target.member_count) == (1, 3) and (tally(), tally(VILLAGE_B)) == (1, 3)
    out = source.member_changes.get()
    into = target.member_changes.get()
    assert out.kind == "move_out" and out.other_household == target and "至贵州省" in out.detail
    assert into.kind == "move_in" and into.member.household == target and into.detail.startswith("来自")


def test_a_move_that_empties_a_household_cancels_it_in_the_moves_business_year(register, users):
    """A move of 1 January announced for the year before: the emptied household is 已注销 at the end of that
    year (its cancellation dated on the move, counted in the move's business year), not in today's."""
    last_year = TODAY.year - 1
    source = register(history_year=last_year)
    target = register(region=VILLAGE_B, history_year=last_year)
    everyone = list(persons(source).values())
    moved_on = TODAY.replace(month=1, day=1)
    mc.members_move(user=users["county"], household=source, members=everyone, to_household=target.number,
                    relationships={m.pk: "other" for m in everyone}, effective_on=moved_on,
                    business_year=last_year, reason="投亲")  # fmt: skip
    cancelled = source.status_changes.get(to_status="cancelled")
    assert (cancelled.business_year, cancelled.effective_on) == (last_year, moved_on)
    assert Household.objects.filter(pk=source.pk, status="cancelled").exists()


def test_moves_that_would_break_the_rules_are_refused(register, users, county_b):
    source = register()
    spouse = persons(source)["吴秀英"]
    move = {"members": [spouse], "relationships": {spouse.pk: "other"}}
    with pytest.raises(ValidationError, match="迁入户与迁出户相同"):
        mc.members_move(user=users["county"], household=source, to_household=source.number, **move)
    with pytest.raises(ValidationError, match=r"户编号 .* 不存在或不在您的管辖范围内"):
        mc.members_move(user=users["village_a"], household=source, to_household=register(region=VILLAGE_B).number,
                        **move)  # fmt: skip
    other_county = register(region=VILLAGE_B2)
    with pytest.raises(ValidationError, match="迁往其他县须办理跨县迁移"):
        mc.members_move(user=None, household=source, to_household=other_county.number, **move)
    with pytest.raises(ValidationError, match="请选择吴秀英在迁入户中与户主的关系"):
        mc.members_move(
            user=users["county"], household=source, village=VILLAGE_A, members=[spouse], relationships={}
        )
    assert not MemberChange.objects.exists() and persons(source)["吴秀英"].is_active
    with (
        transaction.atomic(),
        pytest.raises(IntegrityError),
    ):  # and the index refuses a second active row anyway
        Member.objects.create(household=other_county, name="吴秀英", id_number=spouse.id_number,
                              birth_date=spouse.birth_date, sex="2", relationship="other", education="junior",
                              labour="ordinary")  # fmt: skip


def test_a_split_of_a_registered_household_is_unidentified_and_flagged_for_review(register, users):
    h = register(status="registered", identified_year=2015)
    mc.member_birth(user=users["village_a"], household=h, member=child(name="杨大", born=dt.date(2000, 1, 1)))
    son = persons(h)["杨大"]
    with pytest.raises(ValidationError, match="原户至少应保留一名成员"):
        mc.household_split(user=users["village_a"], household=h, members=list(persons(h).values()),
                           relationships={})  # fmt: skip
    new = mc.household_split(user=users["village_a"], household=h, members=[son], relationships={son.pk: "head"},
                             reason="成年分户")  # fmt: skip
    assert new.status == "unidentified" and new.region_id == VILLAGE_A and new.head_name == "杨大"
    assert new.main_cause == h.main_cause and not new.status_changes.exists()
    review = SplitReview.objects.get()
    assert review.household == new and review.source == h and review.status == "open"
    assert [c.kind for c in new.member_changes.all()] == ["split_in"]
    with pytest.raises(PermissionDenied, match="乡镇级"):
        mc.split_review_clear(user=users["village_a"], review=review, finding="属实")
    with pytest.raises(ValidationError, match="请填写审核意见"):
        mc.split_review_clear(user=users["town_a"], review=review, finding=" ")
    mc.split_review_clear(user=users["town_a"], review=review, finding="已婚另居，分户属实")
    review.refresh_from_db()
    assert review.status == "cleared" and review.cleared_by == users["town_a"]

    plain = register(status="unidentified")  # an unidentified household's split needs no review
    wife = persons(plain)["吴秀英"]
    mc.household_split(
        user=users["village_a"], household=plain, members=[wife], relationships={wife.pk: "head"}
    )
    assert SplitReview.objects.count() == 1


def test_a_merge_moves_everyone_and_cancels_the_other_household(register, users):
    h, other = register(), register(region=VILLAGE_B, members=[member(name="杨老三")])
    old = persons(other)["杨老三"]
    with pytest.raises(ValidationError, match="不能与本户合户"):
        mc.household_merge(user=users["county"], household=h, other=h.number, relationships={})
    mc.household_merge(
        user=users["county"], household=h, other=other.number, relationships={old.pk: "sibling"}
    )
    h.refresh_from_db()
    other.refresh_from_db()
    assert (
        other.status == "cancelled" and h.member_count == 3 and persons(h)["杨老三"].relationship == "sibling"
    )
    assert other.status_changes.get(to_status="cancelled").reason == f"合户至户编号 {h.number}"
    assert [c.kind for c in h.member_changes.all()] == ["merge_in"]


# ---- moves between counties ---------------------------------------------------------------------------------


def test_a_transfer_to_another_county_waits_then_moves_in_one_step(register, users, county_b):
    h = register(status="registered", identified_year=2014)
    mc.member_birth(user=users["county"], household=h, member=child(name="杨大", born=dt.date(2001, 1, 1)))
    son = persons(h)["杨大"]
    with pytest.raises(PermissionDenied, match="县级"):
        mc.transfer_request(
            user=users["town_a"], household=h, members=[son], to_county=COUNTY_B, reason="务工落户"
        )
    t = mc.transfer_request(
        user=users["county"], household=h, members=[son], to_county=COUNTY_B, reason="务工落户"
    )
    assert t.status == "pending" and persons(h)["杨大"].is_active and mc.pending_members([son]) == {son.pk: t}
    with pytest.raises(ValidationError, match="待接收，请先撤回该申请"):
        mc.member_death(user=users["county"], household=h, member=son, died_on=TODAY)
    with pytest.raises(ValidationError, match="待接收"):
        mc.transfer_request(
            user=users["county"], household=h, members=[son], to_county=COUNTY_B, reason="再次"
        )

    assert Transfer.objects.for_user(county_b).get() == t  # the receiving county sees what is sent to it
    assert not Household.objects.for_user(county_b).filter(pk=h.pk).exists()
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        mc.transfer_accept(
            user=users["county"], transfer=t, village=VILLAGE_A, relationships={son.pk: "head"}
        )
    with pytest.raises(ValidationError, match="不存在、不是村级或不在您的管辖范围内"):
        mc.transfer_accept(user=county_b, transfer=t, village=VILLAGE_B, relationships={son.pk: "head"})
    mc.transfer_accept(user=county_b, transfer=t, village=VILLAGE_B2, relationships={son.pk: "head"})
    t.refresh_from_db()
    new = t.to_household
    assert t.status == "accepted" and t.decided_by == county_b and new.region_id == VILLAGE_B2
    assert new.status == "unidentified" and new.head_name == "杨大"
    assert Member.objects.filter(id_number=son.id_number, is_active=True).get().household == new
    h.refresh_from_db()
    assert h.member_count == 2 and tally() == 2 and tally(VILLAGE_B2) == 1
    out = h.member_changes.get(kind="move_out")
    assert out.transfer == t and out.actor == county_b and "麻江县" in out.words
    assert new.member_changes.get().kind == "move_in"
    with pytest.raises(ValidationError, match="已接收，不能再办理"):
        mc.transfer_cancel(user=users["county"], transfer=t, reason="撤回")


def test_transfers_to_a_non_county_or_the_same_county_are_refused(register, users, county_b):
    h = register()
    wife = persons(h)["吴秀英"]
    for to, message in (
        (VILLAGE_B2, "迁入地应为县级区划，仙坝村 是村级。"),
        (COUNTY, "迁入县与迁出县相同：县内迁移请直接办理迁移。"),
        ("", "请填写迁入县的区划代码。"),
    ):
        with pytest.raises(ValidationError) as refused:
            mc.transfer_request(
                user=users["county"], household=h, members=[wife], to_county=to, reason="落户"
            )
        assert refused.value.message_dict["to_county"] == [message]
    for to, message in (
        (VILLAGE_A, "迁入村是本户所在村：跨县迁移应迁往其他县的村。"),
        (VILLAGE_B, "迁入县与迁出县相同：县内迁移请直接办理迁移。"),
        (COUNTY_B, "迁入地应选到村，麻江县 是县级。"),
        ("522635100299", "迁入村的区划代码 522635100299 不存在。"),
    ):
        with pytest.raises(ValidationError) as refused:
            mc.transfer_request(
                user=users["county"], household=h, members=[wife], to_village=to, reason="落户"
            )
        assert refused.value.message_dict["to_village"] == [message]
    with pytest.raises(ValidationError) as refused:
        mc.transfer_request(user=users["county"], household=h, members=[persons(h)["杨文明"]], to_county=COUNTY_B,
                            reason="落户")  # fmt: skip
    assert "请从留在本户的成员中指定新户主" in refused.value.message_dict["new_head"][0]
    assert not Transfer.objects.exists()
    t = mc.transfer_request(
        user=users["county"], household=h, members=[wife], to_village=VILLAGE_B2, reason="落户"
    )
    assert (t.to_county_id, t.to_village_id) == (COUNTY_B, VILLAGE_B2)  # the village's county receives


def test_a_refused_or_withdrawn_transfer_leaves_everyone_where_they_were(register, users, county_b):
    h = register()
    wife = persons(h)["吴秀英"]
    t = mc.transfer_request(
        user=users["county"], household=h, members=[wife], to_county=COUNTY_B, reason="投亲"
    )
    with pytest.raises(ValidationError, match="请填写退回原因"):
        mc.transfer_refuse(user=county_b, transfer=t, reason="")
    with pytest.raises(PermissionDenied):
        mc.transfer_refuse(user=users["county"], transfer=t, reason="不接收")
    mc.transfer_refuse(user=county_b, transfer=t, reason="未落实住所")
    t.refresh_from_db()
    assert t.status == "refused" and t.decision_reason == "未落实住所" and persons(h)["吴秀英"].is_active
    with pytest.raises(ValidationError, match="已退回"):
        mc.transfer_accept(user=county_b, transfer=t, village=VILLAGE_B2, relationships={wife.pk: "head"})

    again = mc.transfer_request(
        user=users["county"], household=h, members=[wife], to_county=COUNTY_B, reason="投亲"
    )
    with pytest.raises(PermissionDenied):
        mc.transfer_cancel(user=county_b, transfer=again, reason="撤回")
    mc.transfer_cancel(user=users["county"], transfer=again, reason="本人不愿迁")
    assert Transfer.objects.get(pk=again.pk).status == "cancelled" and not mc.pending_members([wife])
    h.refresh_from_db()
    assert h.member_count == 2 and not MemberChange.objects.exists()
    history = household_history(user=users["county"], household=h, full=False)
    assert any(("状态", "待接收", "已退回") in e.rows for e in history)


def test_a_transfer_whose_person_left_meanwhile_cannot_be_accepted(register, users, county_b):
    h = register()
    wife = persons(h)["吴秀英"]
    t = mc.transfer_request(
        user=users["county"], household=h, members=[wife], to_county=COUNTY_B, reason="投亲"
    )
    from jingzhun.registry.services import household_cancel, household_update

    with pytest.raises(ValidationError, match="吴秀英 有跨县迁移申请待迁入县接收，不能移出本户"):
        household_update(user=users["county"], household=h, members=[{"id": persons(h)["杨文明"].pk}])
    with pytest.raises(ValidationError, match="请先撤回该申请"):
        household_cancel(user=users["county"], household=h, reason="错登")
    Member.objects.filter(pk=wife.pk).update(
        is_active=False
    )  # gone by a path that knows nothing of transfers
    with pytest.raises(ValidationError, match="吴秀英 已不在原户，无法接收"):
        mc.transfer_accept(user=county_b, transfer=t, village=VILLAGE_B2, relationships={wife.pk: "head"})
    assert not Household.objects.filter(region_id=VILLAGE_B2).exists()


def test_a_whole_household_transferred_is_cancelled_at_home(register, users, county_b):
    h = register()
    everyone = list(persons(h).values())
    t = mc.transfer_request(
        user=users["county"], household=h, members=everyone, to_county=COUNTY_B, reason="搬迁"
    )
    target = register(region=VILLAGE_B2, members=[member(name="龙老大")])
    mc.transfer_accept(user=county_b, transfer=t, to_household=target.number,
                       relationships={m.pk: "sibling" if m.name == "杨文明" else "other" for m in everyone})  # fmt: skip
    h.refresh_from_db()
    target.refresh_from_db()
    assert h.status == "cancelled" and target.member_count == 3
    assert AuditLog.objects.filter(root=f"registry.household:{h.pk}", model="registry.transfer").count() == 2
