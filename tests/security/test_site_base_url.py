"""``[site] base_url`` as a pull request sets it: '//evil.example/' made every page load its
script from another host. base_url is a path; an absolute https:// address needs an explicit
opt-in and then only names the host in the sitemap — pages load their own scripts, styles and
links by path, from whichever host served them."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from dlcourse.course.site_settings import SiteSettings
from tests.security.budget import Budget, dlcourse, in_process
from tests.security.conftest import Sandbox

BASE_LINE = 'base_url = "/"'


@pytest.mark.parametrize(
    "value",
    [
        "//evil.example/",  # scheme-relative: another host
        "https://evil.example/",  # absolute without the opt-in
        "http://evil.example/",  # not https, even with it (below)
        "javascript:alert(1)//",
        '/a"onmouseover="alert(1)/',  # quotes would leave an attribute
        "/dlsp20//evil.example/",
        "/a b/",
        "/?x=1",
    ],
)
def test_a_base_url_that_is_not_a_path_is_refused(value: str) -> None:
    with pytest.raises(ValidationError):
        SiteSettings(base_url=value)
    if value.startswith("http:") or value.startswith("//"):
        with pytest.raises(ValidationError):
            SiteSettings(base_url=value, absolute_base_url=True)


def test_paths_are_kept_and_end_with_a_slash() -> None:
    assert SiteSettings(base_url="/dlsp20").base_url == "/dlsp20/"
    assert SiteSettings(base_url="/").base_path == "/"
    opted = SiteSettings(base_url="https://atcold.github.io/pytorch", absolute_base_url=True)
    assert (opted.base_url, opted.base_path) == ("https://atcold.github.io/pytorch/", "/pytorch/")


@pytest.mark.slow
def test_another_host_as_base_url_is_a_located_error(sandbox: Sandbox) -> None:
    sandbox.edit_config(BASE_LINE, 'base_url = "//evil.example/"')
    line = (
        sandbox.config.read_text(encoding="utf-8")
        .splitlines()
        .index('base_url = "//evil.example/"            # URL path the site is served under')
    )
    outcome = in_process("build", "--no-search", "-q", cwd=sandbox.course)  # refused first
    assert outcome.returncode == 2, outcome.describe()
    assert f"course.toml:{line + 1}: [site.base_url]" in outcome.stderr, outcome.describe()
    assert not (sandbox.course / "_site").exists()


@pytest.mark.slow
def test_an_absolute_base_url_never_moves_the_sites_own_files_to_that_host(
    sandbox: Sandbox,
) -> None:
    sandbox.edit_config(
        BASE_LINE, 'base_url = "https://evil.example/dlsp20/"\nabsolute_base_url = true'
    )
    outcome = dlcourse("build", "--no-search", "-q", cwd=sandbox.course,
                       budget=Budget(cpu_s=60, wall_s=180))  # fmt: skip
    assert outcome.returncode == 0, outcome.describe()
    site = sandbox.course / "_site"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 20  # home, schedule, labs, 404, contents, search and note pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "evil.example" not in text, page
        for url in re.findall(r'(?:src|href)="([^"]*(?:\.js|\.css)[^"]*)"', text):
            assert url.startswith("/dlsp20/static/"), (page, url)
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://evil.example/dlsp20/en/</loc>" in sitemap
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert robots == "Sitemap: https://evil.example/dlsp20/sitemap.xml\n"
