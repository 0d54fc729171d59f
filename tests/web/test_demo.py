"""``ethos demo`` builds a working Ethos from nothing and says how to get in."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path


def run_demo(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command, in its own interpreter with its own settings and database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ETHOS_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env["ETHOS_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-c", "from ethos.cli import main; main()", "demo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_small_demo_builds_and_prints_the_way_in(tmp_path):
    data = tmp_path / "demo"
    result = run_demo(data, "--staff", "600", "--units", "25", "--no-serve")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"Ethos demo built in \d+\.\d s: 600 staff in 25 units", out)
    passwords = dict(re.findall(r"^  (admin|analyst|manager|board) +(\S+)  \(", out, re.M))
    assert set(passwords) == {"admin", "analyst", "manager", "board"}
    assert len(set(passwords.values())) == 4
    assert re.search(r"personal invitation link .*: http://127\.0\.0\.1:8000/\S*#t=\S{20,}", out)
    assert re.search(r"kiosk code for .+: [A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", out)
    assert re.search(r"open link .*: http://127\.0\.0\.1:8000/\S{20,}", out)

    assert (data / "secret-key").stat().st_mode & 0o077 == 0
    with sqlite3.connect(data / "ethos.sqlite3") as db:
        surveys = dict(db.execute("SELECT title, status FROM surveys_survey").fetchall())
        assert sorted(surveys.values()) == ["closed", "closed", "open"]
        finals = db.execute("SELECT count(*) FROM results_snapshot WHERE kind = 'final'")
        assert finals.fetchone()[0] == 2
        staff = db.execute("SELECT count(*) FROM organisations_staffmember").fetchone()[0]
        assert staff == 600
        responses = db.execute("SELECT count(*) FROM surveys_response").fetchone()[0]
        assert responses > 400
        users = {u for (u,) in db.execute("SELECT username FROM auth_user")}
        assert users == {"admin", "analyst", "manager", "board"}


def test_each_run_starts_a_fresh_database_with_new_passwords(tmp_path):
    data = tmp_path / "demo"
    first = run_demo(data, "--staff", "100", "--units", "8", "--no-serve")
    second = run_demo(data, "--staff", "100", "--units", "8", "--no-serve")
    assert first.returncode == second.returncode == 0, second.stderr
    assert first.stdout.split("Sign in")[1] != second.stdout.split("Sign in")[1]
    with sqlite3.connect(data / "ethos.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM organisations_organisation").fetchone()[0] == 1
