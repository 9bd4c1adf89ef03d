"""Ranking's pure parts (features, model, scoring) and its state in the store."""

from __future__ import annotations

import math
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digestctl import ranking
from digestctl.models import Item, ItemStatus
from digestctl.ranking import features as F
from digestctl.ranking import model as M
from digestctl.ranking.scoring import Context, FastScorer, Preferences, format_why, score_parts
from digestctl.store import _MIGRATIONS, SCHEMA_VERSION, NewItem, Store

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

LABOUR = [
    "Forced labour found in garment factories supplying European brands",
    "Inspectors uncover forced labour on fishing boats",
    "Trafficking victims freed from forced labour on farms",
    "Report maps forced labour risks in palm oil supply chains",
    "Court convicts gang of labour trafficking",
    "Migrant workers trapped in debt bondage, labour inspectors say",
]
SPORT = [
    "Football club wins the cup after extra time",
    "Tennis star retires after a long career",
    "Football transfer window opens with record fees",
    "Marathon runner breaks the course record",
    "Cricket team names its squad for the tour",
    "Football manager sacked after a run of defeats",
]


def item(n: int, title: str, *, source: str = "wire", hours: float = 1.0) -> Item:
    when = NOW - timedelta(hours=hours)
    return Item(
        id=f"i{n:03d}",
        source=source,
        title=title,
        url=f"https://news.example.org/{n}",
        summary=None,
        published=when,
        author=None,
        site=None,
        status=ItemStatus.NEW,
        first_seen=when,
        last_seen=when,
    )


# -- features ----------------------------------------------------------------------------


def test_words_are_unicode_and_case_folded() -> None:
    assert F.words("Zwangsarbeit: ÄRZTE warnen in Köln") == [
        "zwangsarbeit",
        "ärzte",
        "warnen",
        "köln",
    ]
    assert F.words("Торговля людьми в Москве") == ["торговля", "людьми", "москве"]
    assert F.words("The cost of a war") == ["cost", "war"]  # function words left out


def test_features_name_words_stems_source_and_tags() -> None:
    feats = set(F.extract_features("Traffickers jailed", "A trafficking ring.", "gi-toc", ["UK"]))
    assert feats == {
        *("w:traffickers", "w:jailed", "w:trafficking", "w:ring"),
        *("p:traff", "p:jaile", "s:gi-toc", "g:uk"),
    }


def test_the_fast_splitters_agree_with_words() -> None:
    assert max(len(w) for w in F.STOPWORDS) <= F.STEM_LENGTH  # stem_set relies on it
    for text in ("Traffickers' trial: Zwangsarbeit, ÄRZTE — l'exploitation", "a I x", ""):
        folded = text.casefold()
        assert F.word_set(folded) == set(F.words(text))
        assert F.stem_set(folded) == {w[: F.STEM_LENGTH] for w in F.words(text) if len(w) > 5}


def test_phrases_match_whole_words_in_a_row() -> None:
    text = F.phrase_text("Forced-labour claims", "in the supply chain")
    assert F.mentions(text, "forced labour")
    assert F.mentions(text, "Supply Chain")
    assert not F.mentions(text, "labour claim")  # "claims" is another word
    assert not F.mentions(text, "  ")


# -- the model ---------------------------------------------------------------------------


def examples() -> list[M.Example]:
    return [M.Example(F.extract_features(t, None, "wire"), 1) for t in LABOUR] + [
        M.Example(F.extract_features(t, None, "wire"), 0) for t in SPORT
    ]


def test_a_few_decisions_move_picked_like_items_up() -> None:
    model = M.train(examples())
    assert model.picks == 6
    assert model.skips == 6
    assert model.trained
    liked = model.logit(F.extract_features("Labour inspectors find forced labour", None, "wire"))
    other = model.logit(F.extract_features("Football fans celebrate the cup", None, "wire"))
    assert liked > 0 > other


def test_training_is_deterministic_and_needs_both_kinds() -> None:
    assert M.train(examples()) == M.train(examples())
    only_picks = M.train([e for e in examples() if e.label])
    assert not only_picks.trained
    assert only_picks.weights == {}


def test_a_stored_model_reads_back_and_damage_is_detected() -> None:
    model = M.train(examples())
    meta, weights = M.dump_model(model, trained_at="t")
    again = M.load_model(meta, list(weights.items()))
    assert again == model
    assert M.load_model({}, []) is None  # never trained
    assert M.load_model({**meta, "version": "999"}, []) is None  # another version: rebuild
    for bad_meta, bad_rows in (
        ({**meta, "bias": "nan"}, []),
        ({**meta, "picks": "many"}, []),
        ({k: v for k, v in meta.items() if k != "skips"}, []),
        (meta, [("w:labour", "garbage")]),
        (meta, [("w:labour", float("inf"))]),
        (meta, [(None, 0.5)]),
    ):
        with pytest.raises(M.ModelDamaged):
            M.load_model(bad_meta, bad_rows)


# -- scoring -----------------------------------------------------------------------------


def context(model: M.Model, prefs: Preferences | None = None) -> Context:
    return Context(model, prefs or Preferences(), NOW, {"wire": (6, 12)})


def test_the_fast_scorer_agrees_with_the_detailed_one() -> None:
    prefs = Preferences(
        boost=("debt bondage",), bury=("cup",), weights={"wire": 2.0}, tags={"wire": ("uk",)}
    )
    model = M.train(
        [
            M.Example(F.extract_features(t, "labour rights summary", "wire", ["uk"]), 1)
            for t in LABOUR
        ]
        + [M.Example(F.extract_features("Trafficking traffickers", None, "wire"), 1)]
        + [M.Example(F.extract_features(t, None, "sport-desk"), 0) for t in SPORT]
    )
    for ctx in (context(model, prefs), context(M.Model(), prefs), context(model)):
        fast = FastScorer(ctx)
        for n, title in enumerate([*LABOUR, *SPORT, "Ünïcode ✓ title", "", "Traffickers' trial"]):
            c = item(n, title, source="wire" if n % 2 else "sport-desk", hours=n * 7)
            parts = score_parts(c, 1 + n % 3, ctx)
            total, why = fast.score(c, 1 + n % 3)
            assert math.isclose(fast.total(c, 1 + n % 3), sum(p.value for p in parts), abs_tol=1e-9)
            assert math.isclose(total, sum(p.value for p in parts), abs_tol=1e-9)
            assert why == format_why(parts)
            assert len(why) <= 4


def test_why_names_the_signals_used() -> None:
    prefs = Preferences(boost=("debt bondage",), weights={"ngo": 3.0})
    ctx = context(M.train(examples()), prefs)
    fast = FastScorer(ctx)
    _, why = fast.score(item(1, "Labour inspectors find debt bondage", source="wire"), 12)
    assert "mentions 'debt bondage' (boost)" in why
    assert "12 outlets" in why
    assert any(w.startswith("mentions 'labour'") and w.endswith("(+)") for w in why), why
    _, why = fast.score(item(2, "Football cup final", source="ngo", hours=2), 1)
    assert "ngo weighted ×3" in why
    assert any("(−)" in w for w in why), why
    assert "new today" in why


def test_source_history_is_a_reason() -> None:
    model = M.train(
        [M.Example(F.extract_features("Same words", None, "kalayaan"), 1)] * 3
        + [M.Example(F.extract_features("Same words", None, "other"), 0)] * 3
    )
    ctx = Context(model, Preferences(), NOW, {"kalayaan": (3, 3), "other": (0, 3)})
    _, why = FastScorer(ctx).score(item(1, "Something", source="kalayaan"), 1)
    assert "you picked 3 of 3 from kalayaan" in why
    _, why = FastScorer(ctx).score(item(2, "Something", source="other"), 1)
    assert "you skipped 3 of 3 from other" in why


def test_cold_start_orders_by_story_size_then_freshness() -> None:
    ctx = context(M.Model())
    fast = FastScorer(ctx)
    big_older = item(1, "Big story", hours=48)
    fresh_single = item(2, "Fresh story", hours=0.5)
    stale_single = item(3, "Stale story", hours=24 * 5)
    sizes = {big_older.id: 8}
    scored = sorted(
        [big_older, fresh_single, stale_single], key=lambda c: -fast.total(c, sizes.get(c.id, 1))
    )
    assert [c.id for c in scored] == [big_older.id, fresh_single.id, stale_single.id]
    assert fast.score(big_older, 8)[1] == ("8 outlets", "2 days old")
    assert fast.score(fresh_single, 1)[1] == ("new today",)


def test_boost_bury_and_weight_move_items() -> None:
    plain = FastScorer(context(M.Model()))
    prefs = Preferences(boost=("forced labour",), bury=("vacancy",), weights={"a": 2.0, "z": 0.0})
    tuned = FastScorer(context(M.Model(), prefs))
    boosted, buried = item(1, "New forced labour law"), item(2, "Vacancy: press officer")
    weighted, zeroed = item(3, "Anything", source="a"), item(4, "Anything", source="z")
    for c, direction in ((boosted, 1), (buried, -1), (weighted, 1), (zeroed, -1)):
        moved = tuned.total(c, 1) - plain.total(c, 1)
        assert moved * direction > 0, c.title
    assert tuned.total(weighted, 1) - plain.total(weighted, 1) == pytest.approx(math.log(2))
    assert tuned.total(zeroed, 1) < tuned.total(buried, 1)  # weight 0: last


# -- the store ---------------------------------------------------------------------------


def new_item(n: int, title: str, source: str = "wire") -> NewItem:
    return NewItem(
        id=f"i{n:03d}",
        key=f"https://news.example.org/{n}",
        source=source,
        title=title,
        url=f"https://news.example.org/{n}",
        summary=None,
        published=NOW - timedelta(hours=n),
        author=None,
        site=None,
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "state.db")
    s.upsert_items([new_item(n, t) for n, t in enumerate([*LABOUR, *SPORT])], NOW)
    return s


def test_statuses_are_decisions_and_new_withdraws_one(store: Store) -> None:
    store.set_status(["i000", "i001"], ItemStatus.PICKED)
    store.set_status(["i006"], ItemStatus.SKIPPED)
    assert {r.item_id: r.label for r in store.list_rank_examples()} == {
        "i000": 1,
        "i001": 1,
        "i006": 0,
    }
    store.set_status(["i001"], ItemStatus.NEW)
    store.set_status(["i000"], ItemStatus.SKIPPED)  # changed its mind
    assert {r.item_id: r.label for r in store.list_rank_examples()} == {"i000": 0, "i006": 0}
    assert store.rank_source_counts() == {"wire": (0, 2)}


def test_learn_saves_a_model_that_ranks_and_reset_forgets_it(store: Store) -> None:
    store.set_status(["i000", "i001", "i002"], ItemStatus.PICKED)
    store.set_status(["i006", "i007", "i008"], ItemStatus.SKIPPED)
    model = ranking.learn(store)
    assert model.trained
    assert model.basis == 6
    items = store.list_items(status=ItemStatus.NEW)
    ranked = ranking.rank_candidates(store, None, items, now=NOW)
    labour = {f"i{n:03d}" for n in range(6)}
    top = [s.item.id for s in ranked[:3]]
    assert set(top) <= labour, [s.item.title for s in ranked]
    assert ranking.reset(store) == 6
    assert store.list_rank_examples() == []
    assert ranking.load_ranker(store, None).cold
    assert {i.status for i in store.list_items()} != {ItemStatus.NEW}  # statuses stay


def test_a_stale_or_other_version_model_is_rebuilt_on_load(store: Store) -> None:
    store.set_status(["i000", "i001"], ItemStatus.PICKED)
    store.set_status(["i006"], ItemStatus.SKIPPED)
    # No model stored yet (decisions made by an older digestctl): learned on first use.
    assert not ranking.load_ranker(store, None).cold
    meta, _rows = store.load_rank_model()
    store.save_rank_model({**{k: str(v) for k, v in meta.items()}, "version": "0"}, {})
    ranker = ranking.load_ranker(store, None)
    assert not ranker.cold
    assert ranker.warnings == ()


def test_a_damaged_model_gives_cold_start_and_a_warning(store: Store, tmp_path: Path) -> None:
    store.set_status(["i000", "i001"], ItemStatus.PICKED)
    store.set_status(["i006"], ItemStatus.SKIPPED)
    ranking.learn(store)
    db = sqlite3.connect(tmp_path / "state.db")
    db.execute("UPDATE rank_weights SET weight = 'garbage'")
    db.commit()
    db.close()
    ranker = ranking.load_ranker(store, None)
    assert ranker.cold
    assert len(ranker.warnings) == 1
    assert "damaged" in ranker.warnings[0]
    warned: list[str] = []
    ranked = ranking.rank_candidates(store, None, store.list_items(), warn=warned.append)
    assert warned == list(ranker.warnings)
    assert len(ranked) == 12
    ranking.learn(store)  # the next decision rebuilds it
    assert not ranking.load_ranker(store, None).cold


def test_upgrading_keeps_earlier_picks_and_skips_as_decisions(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    _MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    for n, status in ((1, "picked"), (2, "skipped"), (3, "new")):
        db.execute(
            "INSERT INTO items (id, key, source, title, status, first_seen, last_seen)"
            " VALUES (?, ?, 'wire', 'A title', ?, '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z')",
            (f"i{n}", f"k{n}", status),
        )
    db.close()
    with Store(path) as store:
        labels = {r.item_id: r.label for r in store.list_rank_examples()}
        version = store._db.execute("PRAGMA user_version").fetchone()[0]
    assert labels == {"i1": 1, "i2": 0}
    assert version == SCHEMA_VERSION


def test_the_same_decisions_give_the_same_model_in_any_order(tmp_path: Path) -> None:
    models = []
    for n, order in enumerate((["i000", "i006", "i001", "i007"], ["i007", "i001", "i006", "i000"])):
        with Store(tmp_path / f"{n}.db") as s:
            s.upsert_items([new_item(k, t) for k, t in enumerate([*LABOUR, *SPORT])], NOW)
            for step, item_id in enumerate(order):
                status = ItemStatus.PICKED if item_id in ("i000", "i001") else ItemStatus.SKIPPED
                s.set_status([item_id], status, now=NOW + timedelta(seconds=step))
            models.append(ranking.fit(s))
    assert models[0] == models[1]
