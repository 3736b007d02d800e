"""`python -m speech_action ...` is the same program as the `speech-action` console script."""

# The guard matters: the local engine decodes in worker processes, which import this module.
if __name__ == "__main__":
    from speech_action.cli import main

    raise SystemExit(main())
