"""
lobbyctl in Chinese: its message catalog (po/zh_CN.po) checked by msgfmt,
every message of the sources in it and translated; and the real lobbyctl,
with LANG=zh_CN.UTF-8 (the locale made by tools/install-deps) and with
LANGUAGE=zh_CN under LANG=C.UTF-8, against the real lobbyd on the demo site:
tables and messages in Chinese, --json and lobbyd's own words unchanged.
The catalogs compiled by make are read from $BUILD/locale.
"""
import json
import os
import re
import subprocess
import tempfile

from lobbytest import BUILD, LOBBYCTL, ROOT, Site, run_tests, test, wait_for

PO = os.path.join(ROOT, "po", "zh_CN.po")
POT = os.path.join(ROOT, "po", "lobbyctl.pot")
LOCALEDIR = os.path.join(BUILD, "locale")
CJK = re.compile(r"[\u4e00-\u9fff]")


def env(**lang):
    e = {k: v for k, v in os.environ.items()
         if k not in ("LANG", "LANGUAGE") and not k.startswith("LC_")}
    e.update(lang, LOBBYCTL_LOCALEDIR=LOCALEDIR, TZ="UTC")
    return e


ZH = env(LANG="zh_CN.UTF-8")
ZH_LANGUAGE = env(LANG="C.UTF-8", LANGUAGE="zh_CN")
EN = env(LANG="C.UTF-8")


def ctl(site, lang, *args, stdin=""):
    return subprocess.run([LOBBYCTL, "-s", site.sock, *args], capture_output=True, text=True,
                          env=lang, input=stdin, timeout=10)


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


@test
def test_the_catalog_is_complete_and_current():
    # msgfmt's checks (formats, line ends, header), and nothing fuzzy or
    # untranslated: its count is the only figure.
    r = run("msgfmt", "--check", "--statistics", "-o", "/dev/null", PO)
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"\d+ translated messages?\.\n", r.stderr), r.stderr
    # Every message of today's sources is in it, and none it has is gone;
    # po/lobbyctl.pot, made by "make pot", is today's too.
    with tempfile.TemporaryDirectory() as d:
        fresh = os.path.join(d, "lobbyctl.pot")
        r = run("make", "-s", "-C", ROOT, "pot", f"POT={fresh}")
        assert r.returncode == 0 and os.path.exists(fresh), r.stderr
        for a, b in ((PO, fresh), (fresh, PO), (POT, fresh), (fresh, POT)):
            r = run("msgcmp", "--use-untranslated", a, b)
            missing = [x for x in r.stderr.splitlines() if "not found" in x or "not used" in x]
            assert r.returncode == 0, f"msgcmp {a} {b}: " + "\n".join(missing[:20] or [r.stderr])
        r = run("msgcmp", PO, fresh)	# translated, every one
        assert r.returncode == 0, r.stderr[:2000]
    assert os.path.exists(os.path.join(LOCALEDIR, "zh_CN", "LC_MESSAGES", "lobbyctl.mo")), \
        "make builds build/locale/zh_CN/LC_MESSAGES/lobbyctl.mo"


@test
def test_devices_and_cards_in_chinese():
    r = run("locale", "-a")
    assert "zh_CN.utf8" in r.stdout.split(), \
        "the zh_CN.UTF-8 locale is missing: tools/install-deps makes it"
    s = Site()
    try:
        wait_for(lambda: all(d["online"] for d in s.ctl("devices")
                             if d["kind"] == "turnstile"), 10, "turnstiles online")
        for lang in (ZH, ZH_LANGUAGE):
            r = ctl(s, lang, "devices")
            assert r.returncode == 0, r.stderr
            head = r.stdout.splitlines()[0].split()
            assert head[:4] == ["名称", "类型", "链路", "状态"], head
            ts1 = [line for line in r.stdout.splitlines() if line.startswith("ts1 ")][0]
            assert "闸机" in ts1 and "在线 正常待机" in ts1, ts1
        # The same command in English, as before.
        r = ctl(s, EN, "devices")
        assert r.stdout.splitlines()[0].split()[:4] == ["NAME", "KIND", "LINK", "STATE"]
        assert "online idle" in r.stdout and not CJK.search(r.stdout), r.stdout
        # Cards: the confirmation and the table; --json is the same bytes.
        r = ctl(s, ZH, "card", "add", "0A00C0FFEE", "--holder", "王芳")
        assert r.returncode == 0 and "卡号" in r.stdout and "持卡人" in r.stdout, r.stdout
        zh, en = ctl(s, ZH, "--json", "card", "list"), ctl(s, EN, "--json", "card", "list")
        assert zh.returncode == 0 and zh.stdout == en.stdout, (zh.stdout, en.stdout)
        assert json.loads(zh.stdout)[0]["holder"] == "王芳"
        # (the count of devices online may move between the two: the rest
        # is the same, in the same words)
        zh, en = ctl(s, ZH, "--json", "status"), ctl(s, EN, "--json", "status")
        z, e = json.loads(zh.stdout), json.loads(en.stdout)
        z.pop("online"), e.pop("online")
        assert z == e and z["site"] == "Demo Tower", (zh.stdout, en.stdout)
        assert list(json.loads(zh.stdout)) == list(json.loads(en.stdout))
        r = ctl(s, ZH, "card", "remove", "0A00C0FFEE")
        assert r.returncode == 0 and r.stdout == "已删除卡 0A00C0FFEE\n", r.stdout
        r = ctl(s, ZH, "status")
        assert r.returncode == 0 and "楼宇:" in r.stdout and "版本:" in r.stdout, r.stdout
    finally:
        s.close()


@test
def test_lobbyctls_messages_in_chinese_and_lobbyds_as_sent():
    s = Site()
    try:
        # lobbyctl's own: a usage error, its usage after it, exit status 2.
        r = ctl(s, ZH, "bogus")
        assert r.returncode == 2, r
        assert r.stderr.startswith("lobbyctl: 未知命令“bogus”\n用法：lobbyctl"), r.stderr
        r = ctl(s, ZH, "card", "add", "xyz", "--holder", "x")
        assert r.returncode == 2 and "不是 4 到 31 位十六进制数字" in r.stderr, r.stderr
        r = subprocess.run([LOBBYCTL, "-s", os.path.join(s.dir, "nothing.sock"), "status"],
                           capture_output=True, text=True, env=ZH, timeout=10)
        assert r.returncode == 3 and r.stderr.startswith("lobbyctl: 无法连接 "), r.stderr
        # lobbyd's words pass as lobbyd sent them, in either language.
        zh = ctl(s, ZH, "ticket", "show", "999")
        en = ctl(s, EN, "ticket", "show", "999")
        assert zh.returncode == en.returncode == 1, (zh, en)
        assert zh.stderr == en.stderr and not CJK.search(zh.stderr), (zh.stderr, en.stderr)
        # Without the catalogs, English.
        bare = dict(ZH, LOBBYCTL_LOCALEDIR=os.path.join(s.dir, "no-locale"))
        r = subprocess.run([LOBBYCTL, "bogus"], capture_output=True, text=True, env=bare,
                           timeout=10)
        assert r.stderr.startswith('lobbyctl: unknown command "bogus"'), r.stderr
    finally:
        s.close()


if __name__ == "__main__":
    run_tests(__file__)
