"""The data check: each warning and error code, on files a user could really upload."""
import pytest

from finetune.config import RunConfig
from finetune.tasks.classification_check import check_file
from tests.conftest import keyword_rows, write_csv


def codes(report, kind="warnings"):
    return {w["code"]: w for w in report[kind]}


def check(path, **settings):
    return check_file(RunConfig(data_file=str(path), **settings)).to_json()


@pytest.fixture
def messy_csv(tmp_path):
    rows = keyword_rows(per_class=120, sort=False)[:240]        # financial/legal/medical mixed, ~80 each
    rows += [("", "legal"), ("text without a label", "")]       # rows 242, 243
    rows += [rows[0]] * 2                                       # duplicates of row 2
    rows += [(rows[1][0], "medical" if rows[1][1] != "medical" else "legal")]  # same text, another label
    rows += [(f"court case {i}", "Legal") for i in range(12)]   # a spelling variant of "legal"
    rows += [("word " * 600, "legal")]                          # row 259: longer than the model reads
    return write_csv(tmp_path / "messy.csv", rows)


def test_a_messy_file_gets_every_warning_with_row_numbers(messy_csv):
    report = check(messy_csv)
    found = codes(report)
    assert {"empty_text", "missing_label", "duplicates", "conflicting_labels", "label_variants", "long_texts",
            "too_few_examples"} <= set(found)
    assert found["empty_text"]["rows"] == [242] and found["missing_label"]["rows"] == [243]
    assert found["duplicates"]["rows"] == [244, 245] and 3 in found["conflicting_labels"]["rows"]
    assert "'legal' / 'Legal'" in found["label_variants"]["message"]
    assert found["long_texts"]["rows"] == [259] and "512 tokens" in found["long_texts"]["message"]
    assert report["token_lengths"]["max"] > 512 and not report["token_lengths"]["estimated"]
    assert report["errors"] == [] and report["usable_rows"] == 240 + 2 + 1 + 12 + 1


def test_fixes_remove_their_warnings(messy_csv):
    report = check(messy_csv, drop_duplicates=True, merge_label_variants=True, clean_text=True)
    assert not {"duplicates", "conflicting_labels", "label_variants"} & set(codes(report))
    assert any("Merged label variants" in note for note in report["remedies"])


def test_a_four_point_eight_to_one_imbalance_is_warned(tmp_path):
    """Issue 27: no warning for a 4.8:1 label imbalance (the threshold was 10:1)."""
    rows = keyword_rows(per_class=120)
    kept = [r for r in rows if r[1] != "medical"] + [r for r in rows if r[1] == "medical"][:25]  # 120:25 = 4.8
    report = check(write_csv(tmp_path / "b.csv", kept))
    assert "imbalance" in codes(report)
    assert "4.8x the rows of the smallest" in codes(report)["imbalance"]["message"]


def test_imbalance_many_classes_and_single_class(tmp_path):
    imbalanced = keyword_rows(per_class=110)[:230]  # 110 financial, 110 legal, 10 medical
    assert "imbalance" in codes(check(write_csv(tmp_path / "i.csv", imbalanced)))
    many = [(f"text number {i}", f"label{i % 60}") for i in range(600)]
    assert "many_classes" in codes(check(write_csv(tmp_path / "m.csv", many)))
    single = check(write_csv(tmp_path / "s.csv", [(f"t {i}", "x") for i in range(20)]))
    assert set(codes(single, "errors")) == {"single_class"}


def test_a_class_under_ten_rows_blocks_and_merging_rare_classes_unblocks(tmp_path):
    rare = [(f"odd one {i}", "rare") for i in range(5)] + [(f"strange {i}", "odd") for i in range(5)]
    path = write_csv(tmp_path / "r.csv", keyword_rows(per_class=20) + rare)
    assert "too_few_examples" in codes(check(path), "errors")
    merged = check(path, rare_classes="merge")
    assert merged["errors"] == [] and merged["labels"]["other"] == 10


def test_a_guessed_encoding_is_reported(tmp_path):
    text = "text,label\n" + "".join(f"caf\u00e9 cr\u00e8me {i},{'ab'[i % 2]}\n" for i in range(30))
    (tmp_path / "w.csv").write_bytes(text.encode("cp1252"))
    report = check(tmp_path / "w.csv")
    assert "encoding_guessed" in codes(report) and report["encoding"] == "cp1252"
    assert "café crème 0" in report["samples"]["a"]


def test_ragged_rows_are_skipped_and_reported_by_line(tmp_path):
    lines = ["text,label"] + [f"row {i},{'ab'[i % 2]}" for i in range(20)] + ["broken, row,a"]
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n")
    found = codes(check(tmp_path / "r.csv"))
    assert found["ragged_rows"]["rows"] == [22]


def test_a_model_without_a_tokenizer_at_hand_estimates_lengths(tmp_path, keyword_csv):
    report = check(keyword_csv, model="someone/not-downloaded")
    assert report["token_lengths"]["estimated"] and report["token_lengths"]["limit"] == 512


def test_tokens_are_counted_with_the_chosen_models_tokenizer(keyword_csv, tiny_model):
    lengths = check(keyword_csv, model=str(tiny_model))["token_lengths"]
    assert lengths["limit"] == 64 and not lengths["estimated"] and lengths["p50"] >= 8
