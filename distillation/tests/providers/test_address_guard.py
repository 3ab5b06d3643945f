"""An address guard checks every address a provider client connects to, through each official SDK."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import pytest

from distillation.providers import ChatRequest, Credentials, LLMClient, ProviderError
from distillation.providers.guard import AddressGuard, AddressRefusedError, IPAddress
from distillation.testing import FakeProviderServer

HOST = "provider.test"  # no real DNS knows it: only the guard's resolver below answers for it
METADATA = ipaddress.ip_network("169.254.0.0/16")


def no_metadata(address: IPAddress) -> str | None:
    return "a metadata address" if address in METADATA else None


def no_loopback(address: IPAddress) -> str | None:
    return "a loopback address" if address.is_loopback else None


class FakeDns:
    """Answers for ``HOST``, one after the other (the last one repeats), as a rebinding server would."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked = 0

    async def __call__(self, host: str, port: int) -> list[str]:
        assert host == HOST
        self.asked += 1
        return [self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]]


def base_url(model_id: str, server: FakeProviderServer) -> str:
    return server.openai_base_url if model_id.startswith("openai") else server.url


def guarded(model_id: str, server: FakeProviderServer, guard: AddressGuard) -> Credentials:
    url = base_url(model_id, server).replace("127.0.0.1", HOST)
    return Credentials(api_key="test-key", base_url=url, address_guard=guard)


async def ask(make_model: Callable[..., LLMClient], model_id: str, credentials: Credentials) -> str | None:
    model = make_model(model_id, credentials=credentials)
    return (await model.chat(ChatRequest.from_prompt("hello", max_tokens=5))).text


async def test_an_allowed_address_is_connected_to(
    sdk_model_id: str, server: FakeProviderServer, make_model: Callable[..., LLMClient]
) -> None:
    dns = FakeDns("127.0.0.1")
    await ask(make_model, sdk_model_id, guarded(sdk_model_id, server, AddressGuard(no_metadata, dns)))
    assert dns.asked == 1
    assert len(server.requests) == 1


async def test_a_refused_address_is_never_connected_to(
    sdk_model_id: str, server: FakeProviderServer, make_model: Callable[..., LLMClient]
) -> None:
    guard = AddressGuard(no_loopback, FakeDns("127.0.0.1"))
    with pytest.raises(
        AddressRefusedError, match=r"provider\.test resolves to 127\.0\.0\.1, which is a loop"
    ):
        await ask(make_model, sdk_model_id, guarded(sdk_model_id, server, guard))
    assert server.requests == []


async def test_a_host_that_rebinds_to_a_refused_address_is_refused_on_the_next_connect(
    sdk_model_id: str, server: FakeProviderServer, make_model: Callable[..., LLMClient]
) -> None:
    guard = AddressGuard(no_metadata, FakeDns("127.0.0.1", "169.254.169.254"))
    await ask(make_model, sdk_model_id, guarded(sdk_model_id, server, guard))
    with pytest.raises(AddressRefusedError, match=r"169\.254\.169\.254, which is a metadata address"):
        await ask(make_model, sdk_model_id, guarded(sdk_model_id, server, guard))  # a new connection
    assert len(server.requests) == 1


async def test_an_ip_address_in_the_url_is_checked_too(
    sdk_model_id: str, server: FakeProviderServer, make_model: Callable[..., LLMClient]
) -> None:
    url = base_url(sdk_model_id, server)
    credentials = Credentials(api_key="test-key", base_url=url, address_guard=AddressGuard(no_loopback))
    with pytest.raises(ProviderError, match=r"127\.0\.0\.1 is a loopback address"):
        await ask(make_model, sdk_model_id, credentials)
    assert server.requests == []
