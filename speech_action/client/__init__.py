"""Speech to text REST client: versions, transport, retry, polling, typed resources.

Typical use (modes call nothing below this API)::

    client = SpeechClient("https://eastus.api.cognitive.microsoft.com", key)  # or 127.0.0.1
    base = client.latest_adaptable_base_model("en-US", now)
    ds = client.create_dataset_from_file(DatasetDefinition(...), path)
    ds = client.wait(ds, timeout_s=3600, poll_s=30, on_progress=print)

Errors: AuthenticationError (401/403), SpeechServiceError (other HTTP errors, with status,
code, service_message, url, request_id), ServiceUnreachableError, AmbiguousCreateError,
EntityJobFailedError (a JobFailedError), WaitTimeoutError and RunBudgetExceededError (both
JobTimeoutErrors; the latter when a retry's pause would outlast `time_left`, the run's budget),
NoAdaptableBaseModelError (a ServiceError: the locale has no base model that can be adapted).
"""
from speech_action.client.client import BLOCK_SIZE, SpeechClient, block_id
from speech_action.client.errors import (
    AmbiguousCreateError,
    AuthenticationError,
    EntityJobFailedError,
    NoAdaptableBaseModelError,
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
    UploadedBlocks,
    ref,
)
from speech_action.client.polling import TERMINAL_STATES, Poller, ProgressEvent
from speech_action.client.results import (
    TranscriptionResult,
    UtteranceTexts,
    parse_transcription_result,
)
from speech_action.client.retry import RetryPolicy, parse_retry_after
from speech_action.client.versions import DEFAULT_API_VERSION, VERSIONS, ApiVersion, get_version
from speech_action.errors import RunBudgetExceededError

__all__ = [
    "BLOCK_SIZE", "DEFAULT_API_VERSION", "TERMINAL_STATES", "VERSIONS", "AmbiguousCreateError",
    "ApiVersion", "AuthenticationError", "CustomModel", "Dataset", "DatasetDefinition", "Endpoint",
    "EndpointDefinition", "EntityJobFailedError", "EntityRef", "Evaluation", "File",
    "ModelDefinition", "NoAdaptableBaseModelError", "Poller", "ProgressEvent", "Project",
    "RetryPolicy", "RunBudgetExceededError", "ServiceUnreachableError", "SpeechBaseModel",
    "SpeechClient", "SpeechServiceError", "Transcription", "TranscriptionResult", "UploadedBlocks",
    "UtteranceTexts", "WaitTimeoutError", "block_id", "get_version", "parse_retry_after",
    "parse_transcription_result", "ref",
]
