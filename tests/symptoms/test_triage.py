"""The triage rules, with plain values only: no database, no Django settings."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symptoms.guidance import DISCLAIMER, GUIDANCE, guidance_for
from symptoms.triage import (
    ACTIONS,
    REASONS,
    RED_FLAG_ACTIONS,
    RULES,
    PainReport,
    Verdict,
    assess,
    pain_band,
    severity,
)

RED_FLAG_FIELDS = (
    "bladder_bowel",
    "saddle_numbness",
    "radiating",
    "numbness_tingling",
    "leg_weakness",
    "persists_at_rest",
)
PAUSE_FIELDS = ("sharp", "swelling", "spasms")


def runs(*pains: int) -> list[PainReport]:
    """Earlier reports with only a pain score, oldest first (eased, so they stay quiet)."""
    return [PainReport(pain=p, eased_after_warmup=True) for p in pains]


# --- the contract ------------------------------------------------------------------------


def test_it_defaults_every_field_but_pain():
    report = PainReport(pain=3)

    assert report == PainReport(
        pain=3,
        sharp=False,
        swelling=False,
        spasms=False,
        radiating=False,
        numbness_tingling=False,
        leg_weakness=False,
        bladder_bowel=False,
        saddle_numbness=False,
        persists_at_rest=False,
        eased_after_warmup=None,
        altered_stride=False,
    )


def test_it_is_frozen():
    report = PainReport(pain=0)
    verdict = assess(report)

    with pytest.raises(FrozenInstanceError):
        report.pain = 5  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        verdict.action = "pause"  # type: ignore[misc]


def test_it_accepts_previous_as_any_iterable_or_none_given():
    report = PainReport(pain=3, eased_after_warmup=True)
    earlier = runs(1, 2)

    assert assess(report).action == "continue"
    assert assess(report, previous=()).action == "continue"
    assert assess(report, earlier).action == "pause"
    assert assess(report, previous=tuple(earlier)).action == "pause"
    assert assess(report, previous=iter(earlier)).action == "pause"
    assert assess(report, previous=(r for r in earlier)).action == "pause"


def test_it_returns_a_verdict_with_reasons_as_a_list_of_str():
    verdict = assess(PainReport(pain=0))

    assert isinstance(verdict, Verdict)
    assert verdict == Verdict(action="continue", reasons=[REASONS["no_pain"]], rules=("no_pain",))
    assert verdict.reasons == ["No pain reported: carry on with your plan."]
    assert verdict.severity == 0
    assert verdict.is_red_flag is False


def test_it_orders_actions_mildest_first():
    assert ACTIONS == ("continue", "hold", "roll_back", "pause", "see_clinician", "urgent_care")
    assert [severity(a) for a in ACTIONS] == [0, 1, 2, 3, 4, 5]
    assert RED_FLAG_ACTIONS == ("see_clinician", "urgent_care")


def test_it_rejects_an_unknown_action():
    with pytest.raises(ValueError, match="unknown action 'stop'"):
        severity("stop")


@pytest.mark.parametrize(
    ("pain", "band"),
    [
        (0, "none"),
        (1, "mild"),
        (3, "mild"),
        (4, "moderate"),
        (6, "moderate"),
        (7, "severe"),
        (10, "severe"),
    ],
)
def test_it_names_pain_bands(pain, band):
    assert pain_band(pain) == band


# --- the table as data -------------------------------------------------------------------


def test_it_lists_rules_most_severe_first():
    severities = [severity(rule.action) for rule in RULES]

    assert severities == sorted(severities, reverse=True)
    assert {rule.action for rule in RULES} == set(ACTIONS)


def test_it_has_one_plain_sentence_per_rule():
    ids = [rule.id for rule in RULES]

    assert len(ids) == len(set(ids))
    assert set(REASONS) == set(ids)
    for reason in REASONS.values():
        assert reason[0].isupper() and reason.endswith(".")


# --- each rule on its own ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "action", "rule"),
    [
        ({"bladder_bowel": True}, "urgent_care", "bladder_bowel"),
        ({"saddle_numbness": True}, "urgent_care", "saddle_numbness"),
        ({"radiating": True}, "see_clinician", "radiating"),
        ({"numbness_tingling": True}, "see_clinician", "numbness_tingling"),
        ({"leg_weakness": True}, "see_clinician", "leg_weakness"),
        ({"persists_at_rest": True}, "see_clinician", "persists_at_rest"),
        ({"sharp": True}, "pause", "sharp"),
        ({"swelling": True}, "pause", "swelling"),
        ({"spasms": True}, "pause", "spasms"),
    ],
)
def test_it_fires_each_flag_rule_alone(fields, action, rule):
    verdict = assess(PainReport(pain=0, **fields))

    assert verdict.action == action
    assert verdict.rules == (rule,)
    assert verdict.reasons == [REASONS[rule]]


@pytest.mark.parametrize("pain", [7, 8, 10])
def test_it_pauses_for_severe_pain(pain):
    verdict = assess(PainReport(pain=pain, eased_after_warmup=True))

    assert verdict.action == "pause"
    assert verdict.rules == ("severe_pain",)


@pytest.mark.parametrize("pain", [4, 5, 6])
@pytest.mark.parametrize("eased", [True, False, None])
def test_it_rolls_back_for_moderate_pain_whether_or_not_it_eased(pain, eased):
    verdict = assess(PainReport(pain=pain, eased_after_warmup=eased))

    assert verdict.action == "roll_back"
    assert verdict.rules == ("moderate_pain",)


@pytest.mark.parametrize("pain", [1, 2, 3])
@pytest.mark.parametrize("eased", [False, None])
def test_it_holds_for_mild_pain_that_did_not_clearly_ease(pain, eased):
    verdict = assess(PainReport(pain=pain, eased_after_warmup=eased))

    assert verdict.action == "hold"
    assert verdict.rules == ("mild_not_eased",)


def test_it_holds_for_mild_pain_that_eased_but_changed_the_stride():
    verdict = assess(PainReport(pain=2, eased_after_warmup=True, altered_stride=True))

    assert verdict.action == "hold"
    assert verdict.rules == ("mild_altered_stride",)


def test_it_continues_for_mild_pain_that_eased_after_warming_up():
    verdict = assess(PainReport(pain=3, eased_after_warmup=True))

    assert verdict.action == "continue"
    assert verdict.reasons == [REASONS["mild_eased"]]


@pytest.mark.parametrize("eased", [True, False, None])
def test_it_continues_with_no_pain_whatever_the_warm_up_answer(eased):
    verdict = assess(PainReport(pain=0, eased_after_warmup=eased))

    assert verdict.action == "continue"
    assert verdict.rules == ("no_pain",)


def test_it_pauses_when_pain_rose_three_runs_in_a_row_even_if_mild():
    verdict = assess(PainReport(pain=3, eased_after_warmup=True), previous=runs(1, 2))

    assert verdict.action == "pause"
    assert verdict.rules == ("worsening_trend",)


def test_it_looks_only_at_the_last_two_earlier_runs_for_the_trend():
    report = PainReport(pain=3, eased_after_warmup=True)

    assert assess(report, previous=runs(5, 1, 2)).action == "pause"
    assert assess(report, previous=runs(0, 1, 2, 2)).action == "continue"


@pytest.mark.parametrize(
    "earlier",
    [
        pytest.param(runs(), id="no earlier runs"),
        pytest.param(runs(2), id="one earlier run"),
        pytest.param(runs(2, 2), id="equal then higher"),
        pytest.param(runs(1, 3), id="higher then equal"),
        pytest.param(runs(2, 1), id="down then up"),
        pytest.param(runs(1, 4), id="up then down"),
    ],
)
def test_it_does_not_see_a_trend_without_two_strict_rises(earlier):
    verdict = assess(PainReport(pain=3, eased_after_warmup=True), previous=earlier)

    assert verdict.action == "continue"


def test_it_fires_the_trend_from_zero():
    # 0 -> 1 -> 2 counts as three rises by the table, even though each run eased.
    verdict = assess(PainReport(pain=2, eased_after_warmup=True), previous=runs(0, 1))

    assert verdict.action == "pause"


# --- precedence and several reasons ------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "action"),
    [
        (PainReport(pain=2, saddle_numbness=True, radiating=True), "urgent_care"),
        (PainReport(pain=8, bladder_bowel=True, sharp=True), "urgent_care"),
        (PainReport(pain=2, radiating=True, sharp=True), "see_clinician"),
        (PainReport(pain=9, persists_at_rest=True), "see_clinician"),
        (PainReport(pain=2, sharp=True, eased_after_warmup=True), "pause"),
        (PainReport(pain=0, spasms=True), "pause"),
        (PainReport(pain=5, eased_after_warmup=False), "roll_back"),
        (PainReport(pain=5, altered_stride=True), "roll_back"),
        (PainReport(pain=2, eased_after_warmup=None), "hold"),
        (PainReport(pain=2, eased_after_warmup=True, altered_stride=True), "hold"),
        (PainReport(pain=0, eased_after_warmup=False), "continue"),
        (PainReport(pain=0, altered_stride=True), "continue"),
    ],
)
def test_it_lets_the_most_severe_rule_win(report, action):
    assert assess(report).action == action


def test_it_lets_a_red_flag_beat_a_worsening_trend():
    verdict = assess(PainReport(pain=3, leg_weakness=True), previous=runs(1, 2))

    assert verdict.action == "see_clinician"
    assert verdict.rules == ("leg_weakness",)


def test_it_gives_every_reason_within_the_winning_action_and_only_those():
    verdict = assess(PainReport(pain=2, numbness_tingling=True, radiating=True, sharp=True))

    assert verdict.action == "see_clinician"
    assert verdict.rules == ("radiating", "numbness_tingling")
    assert verdict.reasons == [
        "Pain spreading into your buttocks or legs can mean a nerve is involved: a clinician "
        "should check it before you run again.",
        "Numbness or tingling can mean a nerve is irritated: a clinician should check it before "
        "you run again.",
    ]
    assert verdict.is_red_flag


def test_it_gives_every_pause_reason_at_once():
    report = PainReport(pain=8, sharp=True, swelling=True, spasms=True)
    verdict = assess(report, previous=runs(4, 6))

    assert verdict.rules == ("sharp", "swelling", "spasms", "severe_pain", "worsening_trend")


def test_it_gives_both_hold_reasons_at_once():
    verdict = assess(PainReport(pain=1, eased_after_warmup=False, altered_stride=True))

    assert verdict.rules == ("mild_not_eased", "mild_altered_stride")


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("pain", [-1, 11, 100, 2.5, 3.0, True, False, "3", None])
def test_it_rejects_a_pain_that_is_not_a_whole_number_from_0_to_10(pain):
    with pytest.raises(ValueError, match="pain must be"):
        PainReport(pain=pain)


def test_it_rejects_a_report_whose_pain_was_forced_out_of_range():
    report = PainReport(pain=3)
    object.__setattr__(report, "pain", 11)

    with pytest.raises(ValueError, match=r"report\.pain must be from 0 to 10, got 11"):
        assess(report)


@pytest.mark.parametrize("pain", [-1, 11, 2.5, True, None])
def test_it_rejects_an_earlier_report_with_a_bad_pain(pain):
    earlier = [*runs(1), SimpleNamespace(pain=pain)]

    with pytest.raises(ValueError, match=r"previous\[1\]\.pain must be"):
        assess(PainReport(pain=2), previous=earlier)


def test_it_accepts_stored_logs_with_a_pain_as_earlier_reports():
    earlier = [SimpleNamespace(pain=1), SimpleNamespace(pain=2)]

    assert assess(PainReport(pain=3, eased_after_warmup=True), previous=earlier).action == "pause"


@pytest.mark.parametrize("field", [*RED_FLAG_FIELDS, *PAUSE_FIELDS, "altered_stride"])
def test_it_rejects_a_flag_that_is_not_a_bool(field):
    with pytest.raises(TypeError, match=f"{field} must be True or False"):
        PainReport(pain=0, **{field: "no"})


def test_it_rejects_an_eased_answer_that_is_not_a_bool_or_none():
    with pytest.raises(TypeError, match="eased_after_warmup"):
        PainReport(pain=2, eased_after_warmup="yes")  # type: ignore[arg-type]


def test_it_rejects_something_that_is_not_a_report():
    with pytest.raises(TypeError, match="PainReport"):
        assess(SimpleNamespace(pain=0))  # type: ignore[arg-type]


# --- properties --------------------------------------------------------------------------

pains = st.integers(min_value=0, max_value=10)
reports = st.builds(
    PainReport,
    pain=pains,
    sharp=st.booleans(),
    swelling=st.booleans(),
    spasms=st.booleans(),
    radiating=st.booleans(),
    numbness_tingling=st.booleans(),
    leg_weakness=st.booleans(),
    bladder_bowel=st.booleans(),
    saddle_numbness=st.booleans(),
    persists_at_rest=st.booleans(),
    eased_after_warmup=st.sampled_from([True, False, None]),
    altered_stride=st.booleans(),
)
earlier_reports = st.lists(reports, max_size=4)
# No example database; Hypothesis still caches constants in .hypothesis/ (keep it gitignored).
quick = settings(max_examples=200, deadline=None, database=None)


@quick
@given(reports, earlier_reports)
def test_it_always_gives_a_reason_for_each_rule_that_fired(report, earlier):
    verdict = assess(report, previous=earlier)

    assert verdict.action in ACTIONS
    assert verdict.reasons
    assert verdict.reasons == [REASONS[rule] for rule in verdict.rules]
    assert {rule.action for rule in RULES if rule.id in verdict.rules} == {verdict.action}


@quick
@given(reports, earlier_reports, st.sampled_from(RED_FLAG_FIELDS))
def test_it_never_lets_a_red_flag_keep_running(report, earlier, field):
    verdict = assess(replace(report, **{field: True}), previous=earlier)

    assert verdict.action not in ("continue", "hold", "roll_back")
    assert verdict.action in RED_FLAG_ACTIONS


@quick
@given(reports, earlier_reports, st.sampled_from(PAUSE_FIELDS))
def test_it_never_goes_below_pause_for_sharp_pain_swelling_or_spasms(report, earlier, field):
    verdict = assess(replace(report, **{field: True}), previous=earlier)

    assert verdict.severity >= severity("pause")


@quick
@given(reports, earlier_reports, pains, pains)
def test_it_never_gets_milder_as_pain_rises(report, earlier, a, b):
    lower, higher = sorted((a, b))

    milder = assess(replace(report, pain=lower), previous=earlier)
    worse = assess(replace(report, pain=higher), previous=earlier)

    assert milder.severity <= worse.severity


@quick
@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=11)))
def test_it_rejects_any_pain_out_of_range(pain):
    with pytest.raises(ValueError):
        PainReport(pain=pain)
    with pytest.raises(ValueError):
        pain_band(pain)


@quick
@given(reports, st.one_of(st.integers(max_value=-1), st.integers(min_value=11)))
def test_it_rejects_any_earlier_pain_out_of_range(report, pain):
    with pytest.raises(ValueError):
        assess(report, previous=[SimpleNamespace(pain=pain)])


# --- guidance ----------------------------------------------------------------------------


def test_it_has_guidance_for_every_action():
    assert set(GUIDANCE) == set(ACTIONS)
    for action in ACTIONS:
        guidance = guidance_for(action)
        assert guidance.headline
        assert guidance.what_to_do_now


def test_it_sends_red_flags_to_a_clinician_or_emergency_care():
    assert guidance_for("see_clinician").headline == (
        "Book an appointment with a doctor or physiotherapist before you run again."
    )
    assert guidance_for("urgent_care").headline == "Get same-day emergency care now."
    assert "not a diagnosis" in DISCLAIMER


def test_it_rejects_guidance_for_an_unknown_action():
    with pytest.raises(ValueError, match="unknown action"):
        guidance_for("stop")
