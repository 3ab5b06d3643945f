"""SSRF checks of provider base URLs: schemes, metadata and link-local always, private only when allowed."""

from __future__ import annotations

import pytest

from app.providers import ssrf
from app.providers.ssrf import UnsafeProviderUrl, check_base_url


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """A fake resolver: hostname → the addresses it resolves to."""
    answers: dict[str, list[str]] = {}

    async def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError(f"no such host {host}")
        return answers[host]

    monkeypatch.setattr(ssrf, "resolve_host", resolve)
    return answers


async def refused(url: str, *, allow_private: bool) -> str:
    with pytest.raises(UnsafeProviderUrl) as info:
        await check_base_url(url, allow_private=allow_private)
    assert info.value.status_code == 422
    return str(info.value.detail)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.0.1:8080/v1",
        "http://[fe80::1]/v1",
        "http://[fe80::1%25eth0]/v1",
        "http://100.100.100.200/latest",
        "http://[fd00:ec2::254]/latest",
        "http://[::ffff:169.254.169.254]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://metadata.google.internal/computeMetadata/v1",
        "http://METADATA.google.internal./",
        "http://0.0.0.0:11434/v1",
    ],
)
async def test_metadata_and_link_local_are_refused_even_when_private_is_allowed(url: str) -> None:
    await refused(url, allow_private=True)


async def test_a_hostname_resolving_to_the_metadata_address_is_refused(dns: dict[str, list[str]]) -> None:
    dns["innocent.example.com"] = ["169.254.169.254"]
    reason = await refused("https://innocent.example.com/v1", allow_private=True)
    assert reason.startswith("innocent.example.com resolves to 169.254.169.254")


async def test_every_resolved_address_must_pass(dns: dict[str, list[str]]) -> None:
    dns["split.example.com"] = ["93.184.216.34", "10.0.0.7"]
    reason = await refused("https://split.example.com/v1", allow_private=False)
    assert "10.0.0.7" in reason
    assert "ALLOW_PRIVATE_PROVIDER_URLS" in reason
    dns["split.example.com"] = ["93.184.216.34", "fe80::1"]
    await refused("https://split.example.com/v1", allow_private=True)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:11434/v1", "http://10.1.2.3/v1", "http://192.168.1.20:8080", "http://[::1]:8000"],
)
async def test_private_and_loopback_only_when_allowed(url: str) -> None:
    reason = await refused(url, allow_private=False)
    assert "ALLOW_PRIVATE_PROVIDER_URLS=true" in reason
    assert await check_base_url(url, allow_private=True) == url


async def test_a_private_hostname_follows_the_setting(dns: dict[str, list[str]]) -> None:
    dns["ollama.lan"] = ["192.168.1.50"]
    await refused("http://ollama.lan:11434/v1", allow_private=False)
    assert (
        await check_base_url("http://ollama.lan:11434/v1/", allow_private=True)
        == "http://ollama.lan:11434/v1"
    )


async def test_a_decimal_ip_is_resolved_and_refused() -> None:
    # 2852039166 is 169.254.169.254 written as one number; the system resolver reads it as such.
    await refused("http://2852039166/", allow_private=True)


@pytest.mark.parametrize(
    ("url", "meaning"),
    [
        ("http://0177.0.0.1:11434/v1", "127.0.0.1"),
        ("http://0x7f.1/v1", "127.0.0.1"),
        ("http://127.1/v1", "127.0.0.1"),
        ("http://2130706433/v1", "127.0.0.1"),
        ("http://012.0.0.1/v1", "10.0.0.1"),
    ],
)
async def test_legacy_ipv4_forms_are_refused_as_the_address_they_mean(url: str, meaning: str) -> None:
    # The system resolver reads 0177.0.0.1 as 127.0.0.1; HTTP clients refuse or misread it.
    assert f"means {meaning}" in await refused(url, allow_private=False)
    assert f"write it as {meaning}" in await refused(url, allow_private=True)


async def test_a_legacy_form_of_the_metadata_address_is_refused_as_such() -> None:
    reason = await refused("http://0251.0376.0251.0376/", allow_private=True)
    assert "169.254.169.254" in reason
    assert "metadata" in reason


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///etc/passwd", "http:// or https://"),
        ("ftp://example.com/", "http:// or https://"),
        ("gopher://127.0.0.1:6379/_INFO", "http:// or https://"),
        ("example.com/v1", "http:// or https://"),
        ("http://user:pass@example.com/v1", "user name or password"),
        ("http:///v1", "no host"),
        ("http://[::1/v1", "not a valid URL"),
        ("http://example.com:99999/", "invalid port"),
    ],
)
async def test_malformed_urls_say_why(url: str, expected: str) -> None:
    assert expected in await refused(url, allow_private=True)


async def test_an_unresolvable_host_is_refused(dns: dict[str, list[str]]) -> None:
    assert "cannot resolve" in await refused("https://nowhere.invalid/v1", allow_private=True)


async def test_a_public_address_passes(dns: dict[str, list[str]]) -> None:
    dns["api.example.com"] = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    assert (
        await check_base_url(" https://api.example.com/v1/ ", allow_private=False)
        == "https://api.example.com/v1"
    )
