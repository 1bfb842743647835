"""The guided troubleshooter: the conversation (`flow.Wizard`) apart from its screens.

- `ui.Ui`: what any interface must do (ask, tell).
- `terminal.RichUi`: the terminal, with Rich.
- `scripted.ScriptedUi`: answers from an answers file (`answers.load_answers`).
- `summary`: how a run ended, and the ``--json`` document.
- `lights`: light names as owners type them.

A web interface implements `Ui` and reuses the rest. This package file imports
nothing, so the light commands (`led`) can use `lights` without pulling in the engine.
"""
