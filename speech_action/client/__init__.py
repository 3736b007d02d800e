"""Speech to text REST client: versions, transport, retry, polling, typed resources."""

from speech_action.client.client import BLOCK_SIZE, SpeechClient, block_id, endpoint_for_region
from speech_action.client.errors import (
    AmbiguousCreateError,
    AuthenticationError,
    EntityJobFailedError,
    ServiceUnreachableError,
    SpeechServiceError,
    WaitTimeoutError,
)
from speech_action.client.models import (
    CustomModel,
    Dataset,
    DatasetDefinition,
    Endpoint,
    EndpointDefinition,
    EntityRef,
    Evaluation,
    File,
    ModelDefinition,
    Project,
    SpeechBaseModel,
    Transcription,
    ref,
)
from speech_action.client.polling import TERMINAL_STATES, Poller, ProgressEvent
from speech_action.client.results import TranscriptionResult, parse_transcription_result
from speech_action.client.retry import RetryPolicy, parse_retry_after
from speech_action.client.versions import DEFAULT_API_VERSION, VERSIONS, ApiVersion, get_version

__all__ = [
    "BLOCK_SIZE", "DEFAULT_API_VERSION", "TERMINAL_STATES", "VERSIONS", "AmbiguousCreateError",
    "ApiVersion", "AuthenticationError", "CustomModel", "Dataset", "DatasetDefinition",
    "Endpoint", "EndpointDefinition", "EntityJobFailedError", "EntityRef", "Evaluation", "File",
    "ModelDefinition", "Poller", "ProgressEvent", "Project", "RetryPolicy",
    "ServiceUnreachableError", "SpeechBaseModel", "SpeechClient", "SpeechServiceError",
    "Transcription", "TranscriptionResult", "WaitTimeoutError", "block_id",
    "endpoint_for_region", "get_version", "parse_retry_after", "parse_transcription_result",
    "ref",
]
