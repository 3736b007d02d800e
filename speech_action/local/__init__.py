"""The embedded local engine: the Speech to text REST API on 127.0.0.1, offline.

Entry points: `speech_action.local.server.start_local_service` / `serve_forever`;
recognition behind `speech_action.local.recognition.Recognizer`; faults for tests in
`speech_action.local.faults.FaultPlan`. Nothing is imported here, so importing the real
recognizer module does not pull in the HTTP server (and vice versa).
"""
