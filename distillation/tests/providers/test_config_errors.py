"""Actionable configuration errors and the provider registry."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from distillation.providers import (
    ChatRequest,
    Completion,
    ConfigurationError,
    Credentials,
    LLMClient,
    MissingCredentialsError,
    MissingDependencyError,
    UnknownProviderError,
    UnsupportedFeatureError,
    Usage,
    available_providers,
    get_model,
    register_provider,
    registry,
)
from distillation.testing import FakeProviderServer

ModelFactory = Callable[..., LLMClient]


@pytest.mark.parametrize(
    ("model_id", "module", "extra"),
    [
        ("openai:gpt-4o-mini", "openai", "openai"),
        ("openai-compatible:llama3", "openai", "openai"),
        ("anthropic:claude-sonnet-4-5", "anthropic", "anthropic"),
        ("google:gemini-2.5-flash", "google.genai", "google"),
        ("local:smollm2-135m", "llama_cpp", "local"),
    ],
)
def test_missing_sdk_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, model_id: str, module: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    credentials = {"api_key": "k", "base_url": "http://127.0.0.1:9"}
    with pytest.raises(MissingDependencyError) as info:
        get_model(model_id, credentials=credentials)
    assert f"pip install 'distillation[{extra}]'" in str(info.value)
    assert info.value.extra == extra


@pytest.mark.parametrize(
    ("model_id", "setting"),
    [
        ("openai:gpt-4o-mini", "OPENAI_API_KEY"),
        ("anthropic:claude-sonnet-4-5", "ANTHROPIC_API_KEY"),
        ("google:gemini-2.5-flash", "GEMINI_API_KEY"),
    ],
)
def test_missing_key_names_the_setting_and_ignores_the_environment(
    monkeypatch: pytest.MonkeyPatch, model_id: str, setting: str
) -> None:
    monkeypatch.setenv(setting, "sk-from-the-environment")  # the library must not read it
    with pytest.raises(MissingCredentialsError) as info:
        get_model(model_id)
    assert setting in str(info.value)
    assert info.value.setting == setting


def test_openai_compatible_needs_a_base_url_but_no_key() -> None:
    with pytest.raises(MissingCredentialsError, match="base_url"):
        get_model("openai-compatible:llama3")
    client = get_model("openai-compatible:llama3", credentials={"base_url": "http://127.0.0.1:11434/v1"})
    assert client.model_id == "openai-compatible:llama3"


@pytest.mark.parametrize("model_id", ["no-colon", ":model", "openai:"])
def test_malformed_ids_are_refused(model_id: str) -> None:
    with pytest.raises(ConfigurationError, match="provider:model"):
        get_model(model_id)


def test_unknown_provider_lists_the_available_ones() -> None:
    with pytest.raises(UnknownProviderError) as info:
        get_model("nosuch:model")
    assert "openai-compatible" in str(info.value)


def test_unknown_options_and_credential_fields_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="unknown"):
        get_model("openai:gpt-4o-mini", credentials={"api_key": "k"}, options={"temprature": 1})
    with pytest.raises(ConfigurationError, match="Unknown credential"):
        get_model("openai:gpt-4o-mini", credentials={"apikey": "k"})


def test_credentials_never_show_the_key() -> None:
    assert "sk-secret" not in repr(Credentials(api_key="sk-secret", base_url="http://x"))


async def test_anthropic_refuses_seed_instead_of_ignoring_it(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    with pytest.raises(UnsupportedFeatureError, match="seed"):
        await make_model("anthropic:claude-fake").chat(ChatRequest.from_prompt("hi", seed=1))
    assert server.requests == []


class EchoAdapter:
    """A third-party adapter: no HTTP, answers with the last message."""

    provider = "echo"
    native_schema = False

    def __init__(self, model: str) -> None:
        self.model = model

    async def complete(self, request: ChatRequest, time_limit: float) -> Completion:
        return Completion(text=request.messages[-1].content, finish_reason="stop", usage=Usage(1, 1))

    async def aclose(self) -> None:
        return None


async def test_registered_provider_gets_the_client_features(monkeypatch: pytest.MonkeyPatch) -> None:
    # The registry is process-wide: a copy keeps "echo" from leaking into later tests (the service
    # refuses to store credentials under the name of a provider the engine already has).
    monkeypatch.setattr(registry, "_FACTORIES", dict(registry._FACTORIES))
    register_provider("echo", lambda model, credentials, options: EchoAdapter(model))
    assert "echo" in available_providers()
    async with get_model("echo:v1") as client:
        result = await client.chat(ChatRequest.from_prompt("ping"))
    assert result.text == "ping"
    assert result.model_id == "echo:v1"
    assert result.usage == Usage(1, 1)


async def test_invalid_provider_options_fail_fast_without_retries(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    request = ChatRequest.from_prompt("hi", provider_options={"not_a_gemini_setting": 1})
    with pytest.raises(ConfigurationError, match="invalid Gemini settings"):
        await make_model("google:gemini-fake").chat(request)
    assert server.requests == []
