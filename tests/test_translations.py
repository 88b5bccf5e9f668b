"""The Simplified Chinese catalog: complete, placeholders intact, and used at run time."""

from __future__ import annotations

import contextlib
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.signals import setting_changed
from django.utils.translation import gettext, ngettext, override

from orgchart.models import KIND_LABELS, OrgUnit, User
from scripts.check_translations import PO_FILE, ROOT, Entry, parse_po, problems

# %(name)s, %s, %d, %.2f ... but not the literal %%.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa]")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compiled() -> None:
    """`make test` compiles the catalogs first; compile here too if the .mo is missing or stale."""
    mo_file = PO_FILE.with_suffix(".mo")
    if not mo_file.exists() or mo_file.stat().st_mtime < PO_FILE.stat().st_mtime:
        with contextlib.chdir(ROOT):  # compilemessages walks the working directory
            call_command(
                "compilemessages",
                locale=["zh_Hans"],
                ignore_patterns=[".venv", "node_modules"],
                verbosity=0,
            )
        # Drop catalogs this process loaded before the .mo was (re)written.
        setting_changed.send(
            sender=type(settings), setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=True
        )


def test_catalog_has_a_header_for_chinese(entries: list[Entry]) -> None:
    header = next(entry for entry in entries if entry.is_header)
    assert "Language: zh_Hans\n" in header.fields["msgstr"]
    assert "charset=UTF-8" in header.fields["msgstr"]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header.fields["msgstr"]


def test_every_entry_is_translated_and_none_is_fuzzy(entries: list[Entry]) -> None:
    assert sum(not entry.is_header for entry in entries) > 100
    assert problems(entries) == []


def test_placeholders_survive_translation(entries: list[Entry]) -> None:
    formatted = [entry for entry in entries if "python-format" in entry.flags]
    assert formatted, "expected some python-format entries"
    for entry in formatted:
        wanted = sorted(
            set(placeholders(entry.msgid) + placeholders(entry.fields.get("msgid_plural", "")))
        )
        for msgstr in entry.msgstrs:
            assert sorted(set(placeholders(msgstr))) == wanted, entry.msgid


@pytest.mark.usefixtures("compiled")
def test_chinese_is_used_at_run_time() -> None:
    with override("zh-hans"):
        assert gettext("Log in") == "登录"
        assert gettext("Log out") == "退出登录"
        assert gettext("Dashboard") == "工作台"
        assert str(OrgUnit.Kind.STREET.label) == "街道/乡镇"
        assert str(OrgUnit.PartyOrgType.GENERAL_BRANCH.label) == "党总支"
        assert str(User.Role.GRID_WORKER.label) == "网格员"
        assert str(KIND_LABELS[OrgUnit.Kind.STREET, OrgUnit.AreaType.RURAL]) == "乡镇"
        assert str(OrgUnit._meta.verbose_name) == "组织单位"
        assert (
            ngettext("%(total)s child unit", "%(total)s child units", 3) % {"total": 3}
            == "下级单位 3 个"
        )


@pytest.mark.usefixtures("compiled")
def test_english_stays_english() -> None:
    with override("en"):
        assert gettext("Log in") == "Log in"
        assert str(OrgUnit.Kind.STREET.label) == "street / township"
        assert str(User.Role.GRID_WORKER.label) == "grid worker"
        assert (
            ngettext("%(total)s child unit", "%(total)s child units", 1) % {"total": 1}
            == "1 child unit"
        )


def test_the_terms_users_expect() -> None:
    """A department is rated (评价), not 定档 (the A–D term for party organisations); a case is
    reopened (重新办理), not 复查 (a formal 信访 procedure); a department's own completion
    while the case goes on says so; quarters read 2026年第四季度."""
    from petitions.models import Dispatch, DispatchStatus, Petition, Status
    from volunteers.selectors import quarter_bounds

    with override("zh-hans"):
        assert str(Dispatch._meta.get_field("rating").verbose_name) == "评价"
        assert str(OrgUnit._meta.get_field("rating").verbose_name) == "定档"
        assert str(DispatchStatus.COMPLETED.label) == "本部门已办结"
        assert str(Status.CLOSED.label) == "已办结"
        assert str(Petition._meta.get_field("reopen_count").verbose_name) == "重新办理次数"
        assert quarter_bounds(2026, 4).label == "2026年第四季度"
    with override("en"):
        assert quarter_bounds(2026, 4).label == "2026, fourth quarter"


def test_chinese_text_uses_full_width_punctuation(tmp_path) -> None:
    from scripts.check_punctuation import catalog_findings, findings, template_findings

    # The check flags what it should, and not numbers, file names or English.
    assert [item.split(": ")[-1] for item in findings("办理要求: 按时报到.")] == [
        "':' should be '：'",
        "'.' should be '。'",
    ]
    assert list(findings("另存为 .xlsx 文件；第1.5条；10:00；e.g. Reply.")) == []
    bad = tmp_path / "sample.html"
    bad.write_text('<p>{% translate "Instructions" %}: {{ x }}</p>\n<p>已受理, 请等待</p>')
    assert len(template_findings([bad])) == 2
    # The catalog and the templates of the project pass it.
    assert catalog_findings(PO_FILE.read_text(encoding="utf-8")) == []
    assert template_findings(sorted((ROOT / "templates").rglob("*.html"))) == []
