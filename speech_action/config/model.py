"""The typed result of loading the settings: one frozen `Config` per run."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr

from speech_action.data.layout import DataLayout
from speech_action.run_mode import Mode
from speech_action.scoring.gate import MinImprovement

__all__ = ["Config", "DataLayout", "Frozen"]


class Frozen(BaseModel):
    """Our own settings: immutable and strict (`extra="forbid"`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Config(Frozen):
    """Every setting of one run, parsed and validated. Secrets are `SecretStr`."""

    mode: Mode
    workspace: Path
    config_file: Path | None
    speech_key: SecretStr | None
    speech_region: str | None
    speech_endpoint: str | None
    api_version: str
    """A name of `client.versions.VERSIONS`."""
    locale: str
    project: str | None
    data: DataLayout
    base_model: str
    benchmark_model: str | None
    min_improvement: MinImprovement
    require_significance: bool
    azure_client_id: str | None = None
    azure_tenant_id: str | None = None
    storage_account_url: str | None = None
    storage_connection_string: SecretStr | None
    storage_container: str
    records_dir: Path
    model: str | None
    endpoint_name: str
    endpoint_id: str | None
    logging_enabled: bool
    timeout_minutes: float
    poll_seconds: float
    github_token: SecretStr | None
    comment: bool
    fail_on_no_improvement: bool
    repository: str | None
    blob_upload_from_mb: float = 100.0
    """With a storage connection string, packages of this size or more go through Blob
    (config file `upload.blob-from-mb`)."""

    @property
    def testing_data(self) -> Path:
        return Path(self.data.testing)  # resolved by `load`: already an absolute Path

    @property
    def training_data(self) -> Path:
        return Path(self.data.training)

    @property
    def keyless(self) -> bool:
        """Sign in with Microsoft Entra ID (the job's GitHub OIDC token), not a key."""
        return self.azure_client_id is not None and self.azure_tenant_id is not None

    @property
    def is_local(self) -> bool:
        return self.speech_endpoint == "local"

    @property
    def service_url(self) -> str | None:
        """The resource's base URL; None for the local engine (its URL is known at start)."""
        if self.speech_region:
            return f"https://{self.speech_region}.api.cognitive.microsoft.com"
        return None if self.is_local else self.speech_endpoint

    @property
    def timeout_seconds(self) -> float:
        return self.timeout_minutes * 60

    def secret_values(self) -> list[str]:
        """Every secret to register with the redactor, including connection string parts."""
        values = [
            s.get_secret_value()
            for s in (self.speech_key, self.storage_connection_string, self.github_token)
            if s is not None
        ]
        if self.storage_connection_string is not None:
            parts = self.storage_connection_string.get_secret_value().split(";")
            values += [p.split("=", 1)[1] for p in parts if _is_credential_part(p)]
        return values


def _is_credential_part(part: str) -> bool:
    key, _, value = part.partition("=")
    return bool(value) and key.strip() in {"AccountKey", "SharedAccessSignature"}
