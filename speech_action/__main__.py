"""`python -m speech_action ...` is the same program as the `speech-action` console script."""

from speech_action.cli import main

raise SystemExit(main())
